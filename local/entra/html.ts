/** Text for an HTML page of the stand-in: the five characters that could open markup, escaped. */
export const htmlText = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * At least one character a reader can see: a letter, digit, punctuation or symbol. `\S` is not enough,
 * because zero-width and format characters (U+200B, U+FEFF, U+202E) are not white space.
 */
export const VISIBLE_CHARACTER = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * A JSON answer already written out, sent as it is with the JSON content type: for an
 * answer put together from JSON kept between requests (the conversation list), which
 * would otherwise be parsed only to be stringified again. `T` is what the text spells.
 */
export class JsonText<T> {
  /** Only for the types: what the text spells. */
  declare readonly spells: T;
  constructor(readonly text: string) {}
}

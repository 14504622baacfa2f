/**
 * A JSON answer already written out, sent as it is with the JSON content type: for an
 * answer put together from JSON kept between requests (the conversation list), which
 * would otherwise be parsed only to be stringified again. `T` is what the text spells.
 */
export class JsonText<T> {
  /** Only for the types: what the text spells. */
  declare readonly spells: T;
  /** The text, or its UTF-8 bytes. */
  constructor(readonly body: string | Buffer) {}

  get text(): string {
    return typeof this.body === 'string' ? this.body : this.body.toString('utf8');
  }
}

package ai.cocos.tee.tdx.internal;

/** The bytes are not a TDX quote this provider can read; the message names the field and why. */
final class QuoteFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  QuoteFormatException(String message) {
    super(message);
  }
}

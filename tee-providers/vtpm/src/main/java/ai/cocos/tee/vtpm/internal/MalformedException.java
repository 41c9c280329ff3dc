package ai.cocos.tee.vtpm.internal;

/**
 * A structure could not be parsed. The message names the structure, the field and the offset, so a
 * failed finding can say exactly what is malformed.
 */
public final class MalformedException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what is malformed, and where
   */
  public MalformedException(String message) {
    super(message);
  }
}

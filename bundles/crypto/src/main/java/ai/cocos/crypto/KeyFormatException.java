package ai.cocos.crypto;

import ai.cocos.api.CocosException;

/**
 * A key could not be read, or is of a type or size Cocos does not accept. The message says which.
 */
public final class KeyFormatException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what is wrong with the key
   */
  public KeyFormatException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message what is wrong with the key
   * @param cause the underlying failure
   */
  public KeyFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

package ai.cocos.api;

/**
 * Base of every checked error Cocos reports across an SPI. The message names the problem and, where
 * possible, what to do about it; it never contains a secret.
 */
public class CocosException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an error with a message that names the problem.
   *
   * @param message what went wrong, for a person to act on
   */
  public CocosException(String message) {
    super(message);
  }

  /**
   * Creates an error with a message and the underlying cause.
   *
   * @param message what went wrong, for a person to act on
   * @param cause the underlying failure
   */
  public CocosException(String message, Throwable cause) {
    super(message, cause);
  }
}

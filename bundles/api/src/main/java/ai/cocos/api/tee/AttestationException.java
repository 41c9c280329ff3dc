package ai.cocos.api.tee;

import ai.cocos.api.CocosException;

/** Evidence could not be gathered. The message names the interface and why. */
public class AttestationException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what failed
   */
  public AttestationException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message what failed
   * @param cause the underlying failure
   */
  public AttestationException(String message, Throwable cause) {
    super(message, cause);
  }
}

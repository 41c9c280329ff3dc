package ai.cocos.attestation.collateral;

import ai.cocos.api.CocosException;

/**
 * Collateral could not be obtained: not cached while offline, a fetch failed (HTTP status, rate
 * limit, timeout), or a bundle is malformed. The message says what to do.
 */
public final class CollateralException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what failed and what to do
   */
  public CollateralException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message what failed and what to do
   * @param cause the underlying failure
   */
  public CollateralException(String message, Throwable cause) {
    super(message, cause);
  }
}

package ai.cocos.attestation;

import ai.cocos.api.CocosException;

/**
 * A certificate, chain or CRL could not be proven valid. The message names the certificate (by
 * subject) and what failed, e.g. {@code certificate CN=SEV-VLEK expired at 2025-12-10T22:14:21Z
 * (verification time 2026-11-21T00:00:00Z)}.
 */
public final class ChainException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what failed
   */
  public ChainException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message what failed
   * @param cause the underlying failure
   */
  public ChainException(String message, Throwable cause) {
    super(message, cause);
  }
}

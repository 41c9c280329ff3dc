package ai.cocos.transport.grpc.internal;

import ai.cocos.api.CocosException;

/** A gRPC endpoint cannot start listening; the message names the address and the reason. */
public final class EndpointStartException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what failed, naming the endpoint and {@code host:port}
   * @param cause the underlying failure, or {@code null}
   */
  public EndpointStartException(String message, Throwable cause) {
    super(message, cause);
  }
}

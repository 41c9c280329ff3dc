package ai.cocos.atls.netty;

import ai.cocos.atls.AtlsTrustManager;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSessionContext;

/**
 * A gRPC client's TLS for an agent serving attested TLS: TLS 1.3 only, the agent's certificate
 * verified by an {@link AtlsTrustManager}, and every connection — the first and any reconnect —
 * made for a fresh nonce sent as its SNI ({@link AtlsTrustManager#newServerName()}). The nonce is
 * also the engine's peer host, so no TLS session is ever resumed across connections (session caches
 * are keyed by host): each connection is verified anew.
 *
 * <p>Use with {@code NettyChannelBuilder.sslContext(...)}. For clients on a plain class path (the
 * CLI, tests); the agent's bundle never loads this package.
 */
public final class AtlsSslContext extends SslContext {
  private final SslContext delegate;
  private final AtlsTrustManager trust;

  private AtlsSslContext(SslContext delegate, AtlsTrustManager trust) {
    this.delegate = delegate;
    this.trust = trust;
  }

  /**
   * A client context.
   *
   * @param trust verifies the agent's evidence and issues the nonces
   * @param provider the TLS implementation (OpenSSL/BoringSSL for fast bulk encryption, or JDK)
   * @param clientKey the client certificate's key, for mutual attested TLS; {@code null} for none
   * @param clientChain the client certificate chain, leaf first; {@code null} for none
   * @return the context
   * @throws SSLException if the TLS implementation cannot be set up
   */
  public static SslContext forClient(
      AtlsTrustManager trust,
      SslProvider provider,
      PrivateKey clientKey,
      List<X509Certificate> clientChain)
      throws SSLException {
    Objects.requireNonNull(trust, "trust");
    SslContextBuilder b =
        GrpcSslContexts.configure(SslContextBuilder.forClient(), provider)
            .trustManager(trust)
            .protocols("TLSv1.3");
    if (clientKey != null) {
      b.keyManager(clientKey, clientChain);
    }
    return new AtlsSslContext(b.build(), trust);
  }

  @Override
  public boolean isClient() {
    return true;
  }

  @Override
  public List<String> cipherSuites() {
    return delegate.cipherSuites();
  }

  @Override
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return delegate.applicationProtocolNegotiator();
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return newEngine(alloc, null, -1);
  }

  /**
   * An engine for one connection: whatever host the channel targets, the engine is made for a fresh
   * nonce's server name, which it sends as SNI.
   */
  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    String name = trust.newServerName();
    SSLEngine engine = delegate.newEngine(alloc, name, peerPort);
    SSLParameters p = engine.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(name)));
    engine.setSSLParameters(p);
    return engine;
  }

  @Override
  public SSLSessionContext sessionContext() {
    return delegate.sessionContext();
  }
}

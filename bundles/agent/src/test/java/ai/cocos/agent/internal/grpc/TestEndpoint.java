package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.internal.grpc.TlsSwitch.Attested;
import ai.cocos.agent.internal.grpc.TlsSwitch.EndpointTls;
import ai.cocos.agent.internal.grpc.TlsSwitch.TlsFiles;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The agent's gRPC endpoint for the tests, without a framework: a real server on a fixed loopback
 * port serving health and the agent's service, restarted on the same port in plaintext or with the
 * TLS files the {@link TlsSwitch} wrote or the attested-TLS key manager it made, as the transport
 * bundle does when its configuration changes (GrpcSslContexts, TLS 1.3/1.2, TLS 1.3 only with a key
 * manager, client certificates required with a client CA).
 */
final class TestEndpoint implements TlsSwitch.Endpoint, AutoCloseable {
  final int port;

  /** Every mode served, in order: none, tls, mtls, atls, matls. */
  final List<String> modes = new CopyOnWriteArrayList<>();

  private final BindableService service;
  private Server server;
  private Optional<EndpointTls> current = Optional.empty();

  TestEndpoint(BindableService service) throws IOException {
    this.service = service;
    this.port = GrpcTestSupport.freePort();
    start(Optional.empty());
  }

  @Override
  public synchronized void serve(Optional<EndpointTls> tls) throws TlsSwitch.TlsSwitchException {
    if (tls.equals(current) && server != null) {
      return;
    }
    stop();
    try {
      start(tls);
    } catch (IOException e) {
      throw new TlsSwitch.TlsSwitchException("test endpoint cannot start: " + e, e);
    }
  }

  @Override
  public void reset() {
    try {
      serve(Optional.empty());
    } catch (TlsSwitch.TlsSwitchException e) {
      throw new IllegalStateException(e);
    }
  }

  synchronized String mode() {
    return current.map(EndpointTls::mode).orElse("none");
  }

  private void start(Optional<EndpointTls> tls) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        server = builder(tls).build().start();
        current = tls;
        modes.add(mode());
        return;
      } catch (IOException e) {
        last = e; // the port may take a moment to be free again
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw last;
  }

  private NettyServerBuilder builder(Optional<EndpointTls> tls) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("agent", ServingStatus.SERVING);
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .withOption(ChannelOption.SO_REUSEADDR, true)
            .addService(health.getHealthService())
            .addService(service);
    if (tls.isPresent()) {
      SslContextBuilder ssl;
      if (tls.get() instanceof TlsFiles f) {
        ssl =
            GrpcSslContexts.forServer(f.certFile().toFile(), f.keyFile().toFile())
                .protocols("TLSv1.3", "TLSv1.2");
      } else {
        ssl =
            GrpcSslContexts.configure(
                    SslContextBuilder.forServer(((Attested) tls.get()).keyManager()),
                    SslProvider.OPENSSL)
                .protocols("TLSv1.3");
      }
      if (tls.get().clientCaFile().isPresent()) {
        ssl.trustManager(tls.get().clientCaFile().get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      b.sslContext(ssl.build());
    }
    return b;
  }

  private void stop() {
    if (server != null) {
      // As the transport bundle does: running calls may finish, then the rest are cancelled.
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server = null;
    }
  }

  @Override
  public synchronized void close() {
    stop();
  }
}

package ai.cocos.atls;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.atls.netty.AtlsSslContext;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;

/**
 * Real parts for the attested-TLS tests: the emulated TEE provider with its identity in a temporary
 * folder (one per JVM), policies written from its evidence, a gRPC server on loopback serving TLS
 * 1.3 through a given key manager and counting the calls that reach it, and clients through {@link
 * AtlsSslContext}.
 */
final class AtlsTestSupport {
  static final Path DIR;
  static final EmulatedProvider EMULATED;
  static final Sha3Hash MANIFEST = sha3("manifest of the computation");
  static final Sha3Hash OTHER_MANIFEST = sha3("another computation's manifest");

  static {
    try {
      DIR = Files.createTempDirectory("cocos-atls-test");
      EMULATED = new EmulatedProvider(EmulatedSettings.in(DIR.resolve("emulated")));
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private AtlsTestSupport() {}

  static Sha3Hash sha3(String text) {
    try {
      return new Sha3Hash(
          MessageDigest.getInstance("SHA3-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The policy a relying party writes for this machine's emulated evidence (roots pinned). */
  static Policy emulatedPolicy() throws Exception {
    Evidence e = EMULATED.gather(new EvidenceRequest(new byte[64], new byte[32]));
    return EMULATED.policyFrom(e, Instant.now());
  }

  /** The emulated policy with one rule of its snp section replaced. */
  static Policy withSnp(Policy p, String rule, Object value) {
    Map<String, Object> rules = new HashMap<>(p.rules());
    @SuppressWarnings("unchecked")
    Map<String, Object> snp = new HashMap<>((Map<String, Object>) rules.get("snp"));
    snp.put(rule, value);
    rules.put("snp", snp);
    return new Policy(p.platform(), rules);
  }

  static Verifiers verifiers() {
    return platform ->
        TeeProvider.EMULATED.equals(platform) ? Optional.of(EMULATED) : Optional.empty();
  }

  static AtlsServerKeyManager serverKeyManager(Sha3Hash manifest) {
    return new AtlsServerKeyManager(
        AtlsCertificates.newKeyPair(), manifest, EMULATED::gather, Clock.systemUTC());
  }

  static AtlsTrustManager trust(Policy policy, Sha3Hash manifest, Clock clock) {
    return new AtlsTrustManager(policy, manifest, verifiers(), clock, true, v -> {});
  }

  /** A TLS 1.3 gRPC server with health, counting every call that reaches a service. */
  static final class TestServer implements AutoCloseable {
    final Server server;
    final AtomicInteger calls = new AtomicInteger();
    final List<String> clientSubjects = new CopyOnWriteArrayList<>();

    TestServer(KeyManager km) throws Exception {
      this(km, null);
    }

    TestServer(KeyManager km, X509Certificate clientCa) throws Exception {
      this(km, clientCa, SslProvider.JDK);
    }

    TestServer(KeyManager km, X509Certificate clientCa, SslProvider provider) throws Exception {
      SslContextBuilder ssl =
          GrpcSslContexts.configure(SslContextBuilder.forServer(km), provider).protocols("TLSv1.3");
      if (clientCa != null) {
        ssl.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE);
      }
      HealthStatusManager health = new HealthStatusManager();
      health.setStatus("agent", ServingStatus.SERVING);
      ServerInterceptor count =
          new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
              calls.incrementAndGet();
              var session = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
              if (session != null) {
                try {
                  clientSubjects.add(
                      ((X509Certificate) session.getPeerCertificates()[0])
                          .getSubjectX500Principal()
                          .getName());
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                  clientSubjects.add("none");
                }
              }
              return next.startCall(call, headers);
            }
          };
      server =
          NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
              .sslContext(ssl.build())
              .addService(ServerInterceptors.intercept(health.getHealthService(), count))
              .build()
              .start();
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static ManagedChannel channel(int port, AtlsTrustManager trust, SslProvider provider)
      throws Exception {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(AtlsSslContext.forClient(trust, provider, null, null))
        .build();
  }

  static ServingStatus health(ManagedChannel ch) {
    return HealthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("agent").build())
        .getStatus();
  }

  static void shutdown(ManagedChannel ch) throws InterruptedException {
    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The refusal somewhere in a failure's causes, if any. */
  static Optional<AtlsRefusedException> refusal(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof AtlsRefusedException r) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}

package ai.cocos.atls.bench;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.atls.AtlsBinding;
import ai.cocos.atls.AtlsCertificates;
import ai.cocos.atls.AtlsServerKeyManager;
import ai.cocos.atls.AtlsTrustManager;
import ai.cocos.atls.netty.AtlsSslContext;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.protobuf.services.HealthStatusManager;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One connection to an agent, warm, over loopback: a new gRPC channel, its TLS 1.3 handshake and a
 * health call, then close (milliseconds per connection, one thread).
 *
 * <ul>
 *   <li>{@code attested}: attested TLS as the CLI and the agent run it: the client sends a fresh
 *       nonce, the agent's key manager gathers emulated evidence (SNP report format, ECDSA P-384)
 *       and signs a certificate for the connection, the client verifies it with the emulated
 *       provider's full verification (report signature, VCEK chain to the pinned root, CRL, TCB,
 *       policy) plus the binding;
 *   <li>{@code plainFull}: plain TLS with a CA-issued certificate (PKIX chain and host name
 *       checked), every connection a full handshake like the attested one (no session resumption);
 *   <li>{@code plainResumed}: plain TLS as a client that reconnects to the same host gets it, with
 *       session resumption where the TLS stack does it;
 *   <li>{@code agentCertificate} and {@code clientVerification}: the two halves attested TLS adds,
 *       alone: evidence plus certificate for one nonce (the agent), and the trust manager's check
 *       of one certificate (the client).
 * </ul>
 *
 * <p>Run by {@code bench/atls.sh}, not by the unit tests.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AtlsHandshakeBench {
  /** The TLS implementation on both ends (the agent and the CLI use BoringSSL where it loads). */
  @Param({"OPENSSL"})
  public String provider;

  /** Certificates verified per {@code clientVerification} iteration (one single-shot batch). */
  static final int BATCH = 200;

  private Path dir;
  private EventLoopGroup group;
  private Server attestedServer;
  private Server plainServer;
  private SslContext attestedClient;
  private SslContext plainFullClient;
  private SslContext plainClient;
  private AtlsServerKeyManager keyManager;
  private AtlsTrustManager trust;
  private final ArrayDeque<Object[]> certificates = new ArrayDeque<>();

  /**
   * Starts both servers and makes the clients.
   *
   * @throws Exception if a part cannot start
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    SslProvider p = SslProvider.valueOf(provider);
    dir = Files.createTempDirectory("cocos-atls-bench");
    EmulatedProvider emulated = new EmulatedProvider(EmulatedSettings.in(dir.resolve("tee")));
    Policy policy =
        emulated.policyFrom(
            emulated.gather(new EvidenceRequest(new byte[64], new byte[32])), Instant.now());
    Sha3Hash manifest =
        new Sha3Hash(MessageDigest.getInstance("SHA3-256").digest("bench".getBytes()));
    keyManager =
        new AtlsServerKeyManager(
            AtlsCertificates.newKeyPair(), manifest, emulated::gather, Clock.systemUTC());
    trust =
        new AtlsTrustManager(
            policy,
            manifest,
            platform ->
                TeeProvider.EMULATED.equals(platform) ? Optional.of(emulated) : Optional.empty(),
            Clock.systemUTC(),
            true,
            v -> {});
    group =
        new MultiThreadIoEventLoopGroup(
            1,
            (java.util.concurrent.ThreadFactory) r -> daemon(r, "bench-client"),
            NioIoHandler.newFactory());
    attestedServer =
        server(
            GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager), p)
                .protocols("TLSv1.3")
                .build());
    attestedClient = AtlsSslContext.forClient(trust, p, null, null);

    KeyPair caKey = AtlsCertificates.newKeyPair();
    X509Certificate ca = certificate("CN=bench CA", caKey, "CN=bench CA", caKey, true, null);
    KeyPair leafKey = AtlsCertificates.newKeyPair();
    X509Certificate leaf =
        certificate("CN=bench CA", caKey, "CN=agent", leafKey, false, "*.bench.test");
    plainServer =
        server(
            GrpcSslContexts.configure(SslContextBuilder.forServer(leafKey.getPrivate(), leaf), p)
                .protocols("TLSv1.3")
                .build());
    SslContext trusting =
        GrpcSslContexts.configure(SslContextBuilder.forClient(), p)
            .trustManager(ca)
            .protocols("TLSv1.3")
            .build();
    plainClient = trusting;
    plainFullClient = new FreshHost(trusting);
  }

  /**
   * Certificates made for issued nonces, for {@code clientVerification} (each nonce is single use).
   *
   * @throws Exception if evidence cannot be gathered
   */
  @Setup(Level.Iteration)
  public void certificates() throws Exception {
    certificates.clear();
    for (int i = 0; i < BATCH; i++) {
      String name = trust.newServerName();
      X509Certificate c = keyManager.certificateFor(AtlsBinding.nonce(name).orElseThrow());
      certificates.add(new Object[] {name, new X509Certificate[] {c}});
    }
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    attestedServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    plainServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** Attested TLS: handshake with evidence and its verification, then one call. */
  @Benchmark
  public ServingStatus attested() throws InterruptedException {
    return connect(attestedServer.getPort(), attestedClient, "127.0.0.1");
  }

  /** Plain TLS, a full handshake every time. */
  @Benchmark
  public ServingStatus plainFull() throws InterruptedException {
    return connect(plainServer.getPort(), plainFullClient, "127.0.0.1");
  }

  /** Plain TLS to one host name: resumed where the stack resumes. */
  @Benchmark
  public ServingStatus plainResumed() throws InterruptedException {
    return connect(plainServer.getPort(), plainClient, "agent.bench.test");
  }

  /** The agent's part: evidence for a nonce and the certificate carrying it. */
  @Benchmark
  public X509Certificate agentCertificate() throws Exception {
    return keyManager.certificateFor(AtlsBinding.newNonce());
  }

  /**
   * The client's part: the trust manager's whole check of one certificate. Each nonce is good for
   * one check, so an iteration is a batch of {@value #BATCH} prepared certificates: the score is
   * the batch's time (divide by {@value #BATCH}).
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(batchSize = BATCH)
  @Measurement(batchSize = BATCH)
  public Object clientVerification() throws Exception {
    Object[] next = certificates.poll();
    if (next == null) {
      throw new IllegalStateException("the batch used more certificates than were prepared");
    }
    return trust.verify((X509Certificate[]) next[1], (String) next[0]);
  }

  private ServingStatus connect(int port, SslContext ssl, String authority)
      throws InterruptedException {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .overrideAuthority(authority)
            .eventLoopGroup(group)
            .channelType(NioSocketChannel.class)
            .sslContext(ssl)
            .build();
    try {
      return HealthGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService("agent").build())
          .getStatus();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Server server(SslContext ssl) throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("agent", ServingStatus.SERVING);
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(ssl)
        .addService(health.getHealthService())
        .build()
        .start();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static X509Certificate certificate(
      String issuer, KeyPair issuerKey, String subject, KeyPair key, boolean ca, String dns)
      throws Exception {
    long now = System.currentTimeMillis();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(now),
            new Date(now - 3_600_000),
            new Date(now + 86_400_000),
            new X500Name(subject),
            key.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (dns != null) {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, dns)));
    }
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
  }

  /**
   * A client context whose every connection is made for a new host name under {@code *.bench.test}:
   * no session cache entry ever matches, so each handshake is a full one (as each attested one is),
   * with the PKIX chain and host-name checks.
   */
  private static final class FreshHost extends SslContext {
    private static final AtomicLong N = new AtomicLong();
    private final SslContext delegate;

    FreshHost(SslContext delegate) {
      this.delegate = delegate;
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

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
      return delegate.newEngine(alloc, "c" + N.incrementAndGet() + ".bench.test", peerPort);
    }

    @Override
    public SSLSessionContext sessionContext() {
      return delegate.sessionContext();
    }
  }
}

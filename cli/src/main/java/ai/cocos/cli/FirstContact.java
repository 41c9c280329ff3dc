package ai.cocos.cli;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.atls.AtlsBinding;
import ai.cocos.atls.AtlsCertificates;
import ai.cocos.atls.AtlsClaims;
import ai.cocos.atls.AtlsClaims.AtlsFormatException;
import ai.cocos.atls.AtlsRefusedException;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.attestation.EvidenceFile.EvidenceFormatException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * First contact with an agent serving attested TLS: one TLS 1.3 handshake for a fresh nonce, whose
 * certificate's evidence is checked for what it proves by itself — it answers this nonce, names
 * this certificate's key (which the agent then proves it holds, TLS's CertificateVerify) and the
 * expected manifest, and its own signatures verify with that binding — but under no policy: who
 * made it is not established. The connection is closed once the handshake completes; no application
 * byte (not even HTTP/2's preface) is sent.
 *
 * <p>This is how a relying party obtains evidence to write its first policy when the evidence's
 * signing key can only be pinned on first use (a vTPM attestation key made by a software TPM),
 * since an agent serving attested TLS serves nothing else, and the regular client refuses to
 * connect without a policy.
 */
final class FirstContact {
  private static final HexFormat HEX = HexFormat.of();

  /**
   * What one handshake brought.
   *
   * @param nonce the nonce this handshake sent
   * @param certificate the agent's certificate
   * @param claims what it carried
   * @param evidence the evidence, decoded
   * @param verdict its verification under the policy of what it measured, with the binding
   */
  record Contact(
      byte[] nonce,
      X509Certificate certificate,
      AtlsClaims claims,
      Evidence evidence,
      Verdict verdict) {
    Contact {
      nonce = nonce.clone();
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(claims, "claims");
      Objects.requireNonNull(evidence, "evidence");
      Objects.requireNonNull(verdict, "verdict");
    }

    @Override
    public byte[] nonce() {
      return nonce.clone();
    }
  }

  private FirstContact() {}

  /**
   * Runs one handshake and closes the connection.
   *
   * @param target the agent
   * @param timeout for the connection and its handshake
   * @param manifest the manifest the agent must hold
   * @param providers the verifiers
   * @param offline whether collateral must come from the cache only
   * @param clientKey the client certificate's key (mutual attested TLS), or {@code null}
   * @param clientChain its chain, or {@code null}
   * @return the evidence, checked
   * @throws Failure naming the cause: unreachable, no attested TLS, or evidence that does not hold
   *     together (every failed check)
   */
  static Contact take(
      Target target,
      Duration timeout,
      Sha3Hash manifest,
      AttestationProviders providers,
      boolean offline,
      PrivateKey clientKey,
      List<X509Certificate> clientChain)
      throws Failure {
    byte[] nonce = AtlsBinding.newNonce();
    String name = AtlsBinding.serverName(nonce);
    Check check = new Check(nonce, manifest, providers, offline, Clock.systemUTC());
    String at = "the agent at " + target;
    SslProvider provider =
        io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.isAvailable()
            ? SslProvider.OPENSSL
            : SslProvider.JDK;
    SslContext context;
    try {
      // As the gRPC client configures it (TLS 1.3, ALPN h2): the agent sees an ordinary client.
      SslContextBuilder b =
          GrpcSslContexts.configure(SslContextBuilder.forClient(), provider)
              .trustManager(check)
              .protocols("TLSv1.3");
      if (clientKey != null) {
        b.keyManager(clientKey, clientChain);
      }
      context = b.build();
    } catch (javax.net.ssl.SSLException | RuntimeException e) {
      throw new Failure("cannot set up attested TLS: " + GrpcClient.rootMessage(e));
    }
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cocos-cli-handshake", true), NioIoHandler.newFactory());
    long millis = Math.max(1, timeout.toMillis());
    try {
      Bootstrap bootstrap =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(millis, 600_000))
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      SSLEngine engine = context.newEngine(ch.alloc(), name, target.port());
                      SSLParameters p = engine.getSSLParameters();
                      p.setServerNames(List.of(new SNIHostName(name)));
                      engine.setSSLParameters(p);
                      SslHandler tls = new SslHandler(engine);
                      tls.setHandshakeTimeoutMillis(millis);
                      // Nothing else in the pipeline: after the handshake the channel is closed
                      // without a byte of application data.
                      ch.pipeline()
                          .addLast(tls)
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void exceptionCaught(
                                    ChannelHandlerContext ctx, Throwable cause) {
                                  // The handshake future carries it to the user, once, in words;
                                  // Netty would log a stack trace at the pipeline's end.
                                  ctx.close();
                                }
                              });
                    }
                  });
      ChannelFuture connect = bootstrap.connect(target.host(), target.port());
      if (!connect.awaitUninterruptibly(millis + 1000)) {
        connect.cancel(true);
        throw new Failure("cannot reach " + at + ": no connection within " + format(timeout));
      }
      if (!connect.isSuccess()) {
        throw new Failure("cannot reach " + at + ": " + connectProblem(connect.cause()));
      }
      Channel channel = connect.channel();
      try {
        Future<Channel> handshake = channel.pipeline().get(SslHandler.class).handshakeFuture();
        if (!handshake.awaitUninterruptibly(millis + 1000)) {
          throw new Failure("no attested-TLS handshake with " + at + " within " + format(timeout));
        }
        Optional<AtlsRefusedException> refused = check.refused();
        if (refused.isPresent()) {
          StringBuilder m =
              new StringBuilder(AtlsRefusedException.PREFIX)
                  .append(at)
                  .append(" answered with evidence that does not hold together; nothing was sent")
                  .append(" to it and nothing was written:");
          for (String r : refused.get().reasons()) {
            m.append(System.lineSeparator()).append("  - ").append(r);
          }
          throw new Failure(m.toString());
        }
        if (!handshake.isSuccess()) {
          throw new Failure(
              "no attested-TLS handshake with "
                  + at
                  + ": "
                  + handshakeProblem(handshake.cause())
                  + "; nothing was sent to it");
        }
        return check.taken().orElseThrow(() -> new Failure("the agent's evidence was not seen"));
      } finally {
        // close_notify, an alert: still no application data.
        channel.close().awaitUninterruptibly(1000);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }

  private static String connectProblem(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.net.ConnectException) {
        return HealthProbe.connectProblem(c.getMessage())
            + "; "
            + GrpcClient.Server.AGENT.startHint()
            + " (give its address with AGENT_GRPC_URL or --agent)";
      }
      if (c instanceof java.net.UnknownHostException) {
        return "unknown host (give its address with AGENT_GRPC_URL or --agent)";
      }
    }
    return t == null ? "connection failed" : GrpcClient.rootMessage(t);
  }

  private static String handshakeProblem(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getClass().getSimpleName().equals("NotSslRecordException")) {
        return "it answers in plaintext: does its manifest say attested_tls: true, and has it"
            + " accepted the computation yet?";
      }
    }
    String m = t == null ? "handshake failed" : GrpcClient.rootMessage(t);
    String lower = m.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("handshake_failure")
        || lower.contains("handshake failure")
        || lower.contains("internal_error")) {
      return "it did not answer with an attested-TLS certificate (it serves plain TLS, or cannot"
          + " gather evidence now: see its log) ("
          + m
          + ")";
    }
    if (lower.contains("closed")) {
      return "it closed the connection (" + m + ")";
    }
    return m;
  }

  private static String format(Duration d) {
    return DurationConverter.format(d);
  }

  /**
   * The trust manager of the one handshake: checks the evidence's binding and self-consistency and
   * keeps what it saw. It trusts nothing: the evidence's signer is whoever it claims to be.
   */
  static final class Check extends X509ExtendedTrustManager {
    private final byte[] nonce;
    private final Sha3Hash manifest;
    private final AttestationProviders providers;
    private final boolean offline;
    private final Clock clock;
    private final AtomicReference<Contact> taken = new AtomicReference<>();
    private final AtomicReference<AtlsRefusedException> refused = new AtomicReference<>();

    Check(
        byte[] nonce,
        Sha3Hash manifest,
        AttestationProviders providers,
        boolean offline,
        Clock clock) {
      this.nonce = nonce.clone();
      this.manifest = manifest;
      this.providers = providers;
      this.offline = offline;
      this.clock = clock;
    }

    Optional<Contact> taken() {
      return Optional.ofNullable(taken.get());
    }

    Optional<AtlsRefusedException> refused() {
      return Optional.ofNullable(refused.get());
    }

    /**
     * Checks the agent's certificate for this handshake's nonce.
     *
     * @param chain the agent's chain, leaf first
     * @return what it carried
     * @throws AtlsRefusedException listing every check that failed
     */
    Contact check(X509Certificate[] chain) throws AtlsRefusedException {
      if (chain == null || chain.length == 0) {
        throw new AtlsRefusedException(List.of("the agent sent no certificate"));
      }
      X509Certificate leaf = chain[0];
      AtlsClaims claims;
      try {
        claims =
            AtlsCertificates.claims(leaf)
                .orElseThrow(
                    () ->
                        new AtlsRefusedException(
                            List.of(
                                "the agent's certificate carries no attested-TLS evidence"
                                    + " (extension "
                                    + AtlsBinding.EXTENSION_OID
                                    + "): does its manifest say attested_tls: true?")));
      } catch (AtlsFormatException e) {
        throw new AtlsRefusedException(
            List.of(
                "the attested-TLS evidence in the agent's certificate is malformed: "
                    + e.getMessage()));
      }
      List<String> reasons = new ArrayList<>();
      if (!MessageDigest.isEqual(claims.nonce(), nonce)) {
        reasons.add(
            "evidence is bound to another nonce (replayed handshake): it answers nonce "
                + shortHex(claims.nonce())
                + ", this handshake sent "
                + shortHex(nonce));
      }
      byte[] spki = AtlsBinding.spkiSha256(leaf.getPublicKey());
      if (!MessageDigest.isEqual(claims.spkiSha256(), spki)) {
        reasons.add(
            "evidence is bound to another key: it names the key with SPKI SHA-256 "
                + shortHex(claims.spkiSha256())
                + ", the certificate's key is "
                + shortHex(spki));
      }
      if (!claims.manifest().equals(manifest)) {
        reasons.add(
            "the agent holds manifest "
                + claims.manifest().hex()
                + ", expected "
                + manifest.hex()
                + " (a different computation, or a changed manifest)");
      }
      Evidence evidence;
      try {
        evidence = EvidenceFile.read(claims.evidence());
      } catch (EvidenceFormatException e) {
        reasons.add("the agent's evidence is malformed: " + e.getMessage());
        throw new AtlsRefusedException(reasons);
      }
      String platform = evidence.platform();
      if (!AttestationProviders.PLATFORMS.contains(platform)) {
        reasons.add("the agent sent " + platform + " evidence, which this client cannot verify");
        throw new AtlsRefusedException(reasons);
      }
      Instant now = clock.instant();
      Verdict verdict = null;
      try {
        // What the evidence measured, pinned from itself: the verification below then proves only
        // its signatures and the binding, which is all a first contact can prove.
        Policy own = EvidencePolicies.from(evidence, now, providers, offline, List.of());
        verdict =
            providers
                .provider(platform)
                .verify(new VerificationRequest(evidence, bound(own, claims), now, offline));
        for (Verdict.Finding f : verdict.failures()) {
          reasons.add(f.rule() + ": " + f.message());
        }
        if (!verdict.passed() && verdict.failures().isEmpty()) {
          reasons.add(platform + " verification proved nothing (no finding)");
        }
      } catch (AttestationException | IllegalArgumentException e) {
        reasons.add("the " + platform + " evidence does not verify by itself: " + e.getMessage());
      } catch (Failure e) {
        reasons.add(e.getMessage());
      }
      if (!reasons.isEmpty()) {
        throw new AtlsRefusedException(reasons);
      }
      return new Contact(nonce, leaf, claims, evidence, verdict);
    }

    /** The policy with the claims' binding where the platform's evidence carries it. */
    private static Policy bound(Policy policy, AtlsClaims claims) {
      Map<String, Object> rules = new HashMap<>(policy.rules());
      if (policy.platform().equals(TeeProvider.VTPM) || policy.platform().startsWith("azure-")) {
        Map<String, Object> vtpm = new HashMap<>();
        if (rules.get("vtpm") instanceof Map<?, ?> m) {
          m.forEach((k, v) -> vtpm.put((String) k, v));
        }
        vtpm.put("nonce", HEX.formatHex(claims.vtpmNonce()));
        rules.put("vtpm", vtpm);
      } else {
        rules.put("report_data", HEX.formatHex(claims.reportData()));
      }
      return new Policy(policy.platform(), rules);
    }

    private void checked(X509Certificate[] chain) throws CertificateException {
      try {
        taken.set(check(chain));
      } catch (AtlsRefusedException e) {
        refused.set(e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checked(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      checked(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("this trust manager checks agents, not clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** The first 8 bytes in hex and an ellipsis, as the attested-TLS refusals write them. */
  static String shortHex(byte[] b) {
    String h = HEX.formatHex(b);
    return h.length() <= 16 ? h : h.substring(0, 16) + "…";
  }
}

package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.atls.AtlsRefusedException;
import ai.cocos.atls.AtlsTrustManager;
import ai.cocos.atls.netty.AtlsSslContext;
import ai.cocos.crypto.CertificateFormatException;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.Signatures;
import ai.cocos.transport.grpc.GoDuration;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.AbstractStub;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * A gRPC channel to a Cocos server, configured as CocosAI's CLI configures it: from environment
 * variables with one prefix ({@code MANAGER_GRPC_*} for the manager, {@code AGENT_GRPC_*} for the
 * agent):
 *
 * <ul>
 *   <li>{@code PREFIX_URL}: the address, {@code host:port};
 *   <li>{@code PREFIX_TIMEOUT}: the deadline of each unary call, a Go duration (default 60s);
 *   <li>{@code PREFIX_SERVER_CA_CERTS}: TLS, trusting the CA certificates in this PEM file;
 *   <li>{@code PREFIX_CLIENT_CERT} and {@code PREFIX_CLIENT_KEY}: mutual TLS with this certificate
 *       (chain, PEM) and its private key;
 *   <li>for the agent, {@code AGENT_GRPC_ATTESTED_TLS}, {@code AGENT_GRPC_ATTESTATION_POLICY} and
 *       {@code AGENT_GRPC_ATTESTATION_MANIFEST}: attested TLS ({@link AttestedTlsSettings}), where
 *       every connection sends a fresh nonce and the agent's TEE evidence is verified during the
 *       handshake, before anything is sent.
 * </ul>
 *
 * <p>Without any TLS variable the channel is plaintext. The channel runs on an event loop of its
 * own that {@link #close()} ends: gRPC's shared one outlives the call, and the JVM's exit waits
 * about 300 ms for a thread still inside a native call (its selector).
 */
final class GrpcClient implements AutoCloseable {
  /** The deadline of a unary call when {@code PREFIX_TIMEOUT} is not set, as in CocosAI. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** The largest answer accepted: a computation's retained events can exceed gRPC's 4 MiB. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** The initial HTTP/2 flow-control window per stream (auto-tuned from there). */
  static final int FLOW_CONTROL_WINDOW = 8 * 1024 * 1024;

  /**
   * How many bytes an upload may queue in the transport before it waits: several 1 MiB chunks, so
   * the next one is ready the moment the window opens (gRPC's default is 32 KiB).
   */
  static final int ON_READY_THRESHOLD = 4 * 1024 * 1024;

  /**
   * A server the CLI talks to.
   *
   * @param name what messages call it, for example {@code manager}
   * @param prefix the prefix of its environment variables, for example {@code MANAGER_GRPC}
   * @param defaultAddress the address used when neither {@code PREFIX_URL} nor an option gives one
   * @param startHint what to check when nothing listens there, for example {@code is
   *     bin/cocos-manager running?}
   */
  record Server(String name, String prefix, String defaultAddress, String startHint) {
    /** The manager, {@code MANAGER_GRPC_*}. */
    static final Server MANAGER =
        new Server("manager", "MANAGER_GRPC", "localhost:7001", "is bin/cocos-manager running?");

    /** The agent in a computation's VM, {@code AGENT_GRPC_*}. */
    static final Server AGENT =
        new Server(
            "agent",
            "AGENT_GRPC",
            "localhost:7002",
            "is the computation's VM running, and AGENT_GRPC_URL its forwarded port?");

    /**
     * One of the server's environment variables.
     *
     * @param suffix for example {@code URL}
     * @return for example {@code MANAGER_GRPC_URL}
     */
    String variable(String suffix) {
      return prefix + "_" + suffix;
    }
  }

  /**
   * How to reach a server, read from the environment (and an option overriding the address).
   *
   * @param server the server
   * @param target its address
   * @param targetSource where the address came from: an option, a variable, or {@code default}
   * @param timeout the deadline of each unary call
   * @param timeoutSource where the deadline came from
   * @param serverCa the CA certificates to trust (TLS), if set
   * @param clientCert the client's certificate chain (mutual TLS), if set
   * @param clientKey the client certificate's private key, if set
   * @param attested attested TLS (the agent only)
   */
  record Settings(
      Server server,
      Target target,
      String targetSource,
      Duration timeout,
      String timeoutSource,
      Optional<Path> serverCa,
      Optional<Path> clientCert,
      Optional<Path> clientKey,
      AttestedTlsSettings attested) {

    /**
     * Reads the settings.
     *
     * @param server the server
     * @param env the environment, for example {@code System::getenv}
     * @param override the address given on the command line, or {@code null}
     * @param overrideOption the option that gave it, for example {@code --manager}
     * @return the settings
     * @throws Failure naming the variable that is set wrong
     */
    static Settings from(
        Server server, Function<String, String> env, Target override, String overrideOption)
        throws Failure {
      Target target;
      String targetSource;
      String urlVariable = server.variable("URL");
      Optional<String> url = value(env, urlVariable);
      if (override != null) {
        target = override;
        targetSource = overrideOption;
      } else if (url.isPresent()) {
        try {
          target = Target.parse(url.get());
        } catch (IllegalArgumentException e) {
          throw new Failure(urlVariable + ": " + e.getMessage());
        }
        targetSource = urlVariable;
      } else {
        target = Target.parse(server.defaultAddress());
        targetSource = "default";
      }

      String timeoutVariable = server.variable("TIMEOUT");
      Optional<String> timeoutText = value(env, timeoutVariable);
      Duration timeout = DEFAULT_TIMEOUT;
      String timeoutSource = "default";
      if (timeoutText.isPresent()) {
        try {
          timeout = GoDuration.parsePositive(timeoutText.get());
        } catch (IllegalArgumentException e) {
          throw new Failure(timeoutVariable + ": " + e.getMessage());
        }
        timeoutSource = timeoutVariable;
      }

      Optional<Path> ca = path(env, server.variable("SERVER_CA_CERTS"));
      Optional<Path> cert = path(env, server.variable("CLIENT_CERT"));
      Optional<Path> key = path(env, server.variable("CLIENT_KEY"));
      if (cert.isPresent() != key.isPresent()) {
        String set = server.variable(cert.isPresent() ? "CLIENT_CERT" : "CLIENT_KEY");
        String unset = server.variable(cert.isPresent() ? "CLIENT_KEY" : "CLIENT_CERT");
        throw new Failure(
            set
                + " is set but "
                + unset
                + " is not: mutual TLS needs the client certificate and its private key");
      }
      AttestedTlsSettings attested =
          server.equals(Server.AGENT)
              ? AttestedTlsSettings.fromEnv(env)
              : AttestedTlsSettings.off(env);
      return new Settings(
          server, target, targetSource, timeout, timeoutSource, ca, cert, key, attested);
    }

    /**
     * Adds what a command signing for a manifest knows about attested TLS: on with {@code
     * --attested-tls} or when the manifest says {@code attested_tls: true}, the policy from {@code
     * --attestation-policy}, and the manifest as the one the agent must hold.
     *
     * @param flag {@code --attested-tls}
     * @param policy {@code --attestation-policy}, or {@code null}
     * @param manifest the manifest the command signs for
     * @param manifestFile its file
     * @param notices where notices go (emulated evidence)
     * @return the settings
     * @throws Failure if {@code AGENT_GRPC_ATTESTATION_MANIFEST} names another manifest
     */
    Settings attested(
        boolean flag, Path policy, Manifest manifest, Path manifestFile, PrintWriter notices)
        throws Failure {
      return new Settings(
          server,
          target,
          targetSource,
          timeout,
          timeoutSource,
          serverCa,
          clientCert,
          clientKey,
          attested.with(flag, policy, manifest, manifestFile, notices));
    }

    /** Whether the channel uses TLS (attested TLS included). */
    boolean tls() {
      return serverCa.isPresent() || clientCert.isPresent() || attested.wanted();
    }

    /**
     * The connection's security as CocosAI's CLI labels it.
     *
     * @return {@code without TLS}, {@code with TLS}, {@code with mTLS}, {@code with aTLS} or {@code
     *     with maTLS} (attested TLS with a client certificate)
     */
    String security() {
      if (attested.wanted()) {
        return clientCert.isPresent() ? "with maTLS" : "with aTLS";
      }
      if (clientCert.isPresent()) {
        return "with mTLS";
      }
      return serverCa.isPresent() ? "with TLS" : "without TLS";
    }

    /**
     * Says how the server is reached, for {@code --verbose}.
     *
     * @return one line, for example {@code manager at localhost:7001 (default address) without TLS
     *     (plaintext; set MANAGER_GRPC_SERVER_CA_CERTS for TLS), deadline 60s (default)}
     */
    String describe() {
      StringBuilder b = new StringBuilder(server.name()).append(" at ").append(target);
      b.append(" (")
          .append(targetSource.equals("default") ? "default address" : "from " + targetSource)
          .append(") ")
          .append(security());
      if (!tls()) {
        b.append(" (plaintext; set ")
            .append(server.variable("SERVER_CA_CERTS"))
            .append(" for TLS)");
      } else if (attested.wanted()) {
        b.append(" (").append(attested.describe());
        clientCert.ifPresent(c -> b.append(", client certificate ").append(c));
        serverCa.ifPresent(
            c ->
                b.append("; ")
                    .append(server.variable("SERVER_CA_CERTS"))
                    .append(" is not used: the agent's certificate is made per connection"));
        b.append(')');
      } else {
        b.append(" (trusting ")
            .append(
                serverCa.map(p -> "the CA certificates in " + p).orElse("the system's CA store"));
        clientCert.ifPresent(c -> b.append(", client certificate ").append(c));
        b.append(')');
      }
      b.append(", deadline ")
          .append(DurationConverter.format(timeout))
          .append(" (")
          .append(timeoutSource.equals("default") ? "default" : "from " + timeoutSource)
          .append(')');
      return b.toString();
    }

    private static Optional<String> value(Function<String, String> env, String name) {
      String v = env.apply(name);
      return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    private static Optional<Path> path(Function<String, String> env, String name) throws Failure {
      Optional<String> v = value(env, name);
      if (v.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(Path.of(v.get()));
      } catch (InvalidPathException e) {
        throw new Failure(name + ": '" + v.get() + "' is not a valid path");
      }
    }
  }

  private final Settings settings;
  private final EventLoopGroup group;
  private final ManagedChannel channel;

  private GrpcClient(Settings settings, EventLoopGroup group, ManagedChannel channel) {
    this.settings = settings;
    this.group = group;
    this.channel = channel;
  }

  /**
   * Reads the TLS files, if any, and creates the channel. It connects on the first call.
   *
   * @param settings how to reach the server
   * @return the client; close it
   * @throws Failure if a TLS file cannot be read or does not hold what it should
   */
  static GrpcClient open(Settings settings) throws Failure {
    SslContext tls =
        settings.attested().wanted()
            ? attestedContext(settings)
            : settings.tls() ? tlsContext(settings) : null;
    // Plain NIO also spares loading Netty's native epoll library for a few calls.
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cocos-cli-grpc", true), NioIoHandler.newFactory());
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(settings.target().host(), settings.target().port())
            .eventLoopGroup(group)
            .channelType(NioSocketChannel.class)
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            // Results arrive in 1 MiB messages: room for several in flight.
            .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
            .userAgent("cocos-cli/" + VersionProvider.version());
    if (tls != null) {
      builder.sslContext(tls);
    } else {
      builder.usePlaintext();
    }
    return new GrpcClient(settings, group, builder.build());
  }

  /**
   * Attested TLS: every connection (a reconnect too) sends a fresh nonce and is verified in its
   * handshake by the trust manager; the client certificate, if set, makes it mutual.
   */
  private static SslContext attestedContext(Settings s) throws Failure {
    AtlsTrustManager trust = s.attested().trustManager();
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    PrivateKey key = null;
    List<X509Certificate> chain = null;
    if (s.clientCert().isPresent()) {
      ClientIdentity id = clientIdentity(s);
      key = id.key();
      chain = id.chain();
    }
    try {
      return AtlsSslContext.forClient(trust, provider, key, chain);
    } catch (SSLException | RuntimeException e) {
      throw new Failure(
          "cannot set up attested TLS for the " + s.server().name() + ": " + rootMessage(e));
    }
  }

  /** A client certificate chain and its key, checked to belong together. */
  record ClientIdentity(PrivateKey key, List<X509Certificate> chain) {}

  /**
   * The client certificate ({@code PREFIX_CLIENT_CERT}) and its key ({@code PREFIX_CLIENT_KEY}).
   *
   * @param s the settings, with a client certificate
   * @return the chain and the key
   * @throws Failure if a file cannot be read or the key is not the certificate's
   */
  static ClientIdentity clientIdentity(Settings s) throws Failure {
    String certVariable = s.server().variable("CLIENT_CERT");
    String keyVariable = s.server().variable("CLIENT_KEY");
    List<X509Certificate> chain = certificates(certVariable, s.clientCert().get());
    Path keyFile = s.clientKey().orElseThrow();
    String what = keyVariable + "=" + keyFile;
    KeyPair key = LocalFiles.readPrivateKey(keyFile, what);
    try {
      byte[] probe = "cocos-cli key check".getBytes(StandardCharsets.US_ASCII);
      if (!Signatures.verify(
          chain.get(0).getPublicKey(), probe, Signatures.sign(key.getPrivate(), probe))) {
        throw new Failure(
            what
                + ": not the private key of the certificate in "
                + certVariable
                + "="
                + s.clientCert().get());
      }
    } catch (KeyFormatException e) {
      throw new Failure(what + ": " + e.getMessage());
    }
    return new ClientIdentity(key.getPrivate(), chain);
  }

  private static SslContext tlsContext(Settings s) throws Failure {
    // BoringSSL (netty-tcnative, inside grpc-netty-shaded) encrypts with AES-NI and PCLMUL at
    // gigabytes per second; the JDK's AES-GCM needs the C2 compiler for that, which this
    // short-lived client does without (it starts faster with C1 only), and then runs an upload at
    // a few MB/s. Unpacking the native library costs some milliseconds, once per command.
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider);
    if (s.serverCa().isPresent()) {
      b.trustManager(certificates(s.server().variable("SERVER_CA_CERTS"), s.serverCa().get()));
    }
    if (s.clientCert().isPresent()) {
      ClientIdentity id = clientIdentity(s);
      b.keyManager(id.key(), id.chain());
    }
    try {
      return b.build();
    } catch (SSLException | RuntimeException e) {
      throw new Failure("cannot set up TLS for the " + s.server().name() + ": " + rootMessage(e));
    }
  }

  private static List<X509Certificate> certificates(String variable, Path file) throws Failure {
    String what = variable + "=" + file;
    String pem = LocalFiles.readText(file, what, LocalFiles.MAX_PEM_BYTES);
    try {
      return Certificates.parsePem(pem);
    } catch (CertificateFormatException e) {
      throw new Failure(what + ": " + e.getMessage());
    }
  }

  /** How the server is reached. */
  Settings settings() {
    return settings;
  }

  /** The channel. */
  ManagedChannel channel() {
    return channel;
  }

  /**
   * A stub with the unary deadline ({@code PREFIX_TIMEOUT}) set. Streams that follow a computation
   * have none.
   *
   * @param stub the stub
   * @param <S> its type
   * @return the stub with the deadline
   */
  <S extends AbstractStub<S>> S withDeadline(S stub) {
    return stub.withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Explains a failed call that never reached the service, or that the service does not offer: the
   * server cannot be reached, TLS failed, no answer in time, an unknown method.
   *
   * @param e the failure
   * @return one or more sentences saying what to do, or empty if the service itself answered
   */
  Optional<String> connectionProblem(StatusRuntimeException e) {
    Status status = e.getStatus();
    Server server = settings.server();
    String at = "the " + server.name() + " at " + settings.target();
    String addressHint =
        " (give its address with "
            + server.variable("URL")
            + (settings.targetSource().startsWith("--") ? " or " + settings.targetSource() : "")
            + ")";
    switch (status.getCode()) {
      case UNAVAILABLE:
        for (Throwable t = status.getCause(); t != null; t = next(t)) {
          if (t instanceof AtlsRefusedException refused) {
            StringBuilder b =
                new StringBuilder(AtlsRefusedException.PREFIX)
                    .append(at)
                    .append(" is not trusted, nothing was sent to it:");
            for (String reason : refused.reasons()) {
              b.append(System.lineSeparator()).append("  - ").append(reason);
            }
            return Optional.of(b.toString());
          }
        }
        for (Throwable t = status.getCause(); t != null; t = next(t)) {
          if (t instanceof ConnectException) {
            return Optional.of(
                "cannot reach "
                    + at
                    + ": "
                    + HealthProbe.connectProblem(t.getMessage())
                    + "; "
                    + server.startHint()
                    + addressHint);
          }
          if (t instanceof UnknownHostException) {
            return Optional.of("cannot reach " + at + ": unknown host" + addressHint);
          }
          if (t.getClass().getSimpleName().equals("NotSslRecordException")) {
            return Optional.of(
                "cannot talk TLS to "
                    + at
                    + ": it answers in plaintext; unset "
                    + server.variable("SERVER_CA_CERTS")
                    + ", "
                    + server.variable("CLIENT_CERT")
                    + " and "
                    + server.variable("CLIENT_KEY")
                    + ", or enable TLS on the "
                    + server.name());
          }
          if (t instanceof SSLException) {
            return Optional.of("TLS with " + at + " failed: " + tlsProblem(t));
          }
        }
        if (!settings.tls()) {
          return Optional.of(
              "cannot talk to "
                  + at
                  + ": "
                  + describe(status)
                  + "; if it serves TLS, set "
                  + server.variable("SERVER_CA_CERTS")
                  + " to the CA certificate that signed its certificate");
        }
        return Optional.of("cannot talk to " + at + ": " + describe(status));
      case DEADLINE_EXCEEDED:
        return Optional.of(
            "no answer from "
                + at
                + " within "
                + DurationConverter.format(settings.timeout())
                + (settings.timeoutSource().equals("default")
                    ? " (set " + server.variable("TIMEOUT") + " to wait longer)"
                    : " (" + settings.timeoutSource() + ")"));
      case UNIMPLEMENTED:
        return Optional.of(
            at
                + " does not offer this call ("
                + describe(status)
                + "): is it a Cocos "
                + server.name()
                + " of this version, at the right address?");
      default:
        return Optional.empty();
    }
  }

  private String tlsProblem(Throwable t) {
    Server server = settings.server();
    String ca = server.variable("SERVER_CA_CERTS");
    for (Throwable c = t; c != null; c = next(c)) {
      if (c instanceof CertificateExpiredException) {
        return "its certificate has expired";
      }
      if (c instanceof CertificateNotYetValidException) {
        return "its certificate is not valid yet (check the clocks)";
      }
    }
    String message = rootMessage(t);
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("pkix") || lower.contains("certification path")) {
      return settings.serverCa().isPresent()
          ? "its certificate is not signed by a CA in "
              + ca
              + "="
              + settings.serverCa().get()
              + " ("
              + message
              + ")"
          : "its certificate is not signed by a CA this system trusts; set "
              + ca
              + " to the CA certificate that signed it ("
              + message
              + ")";
    }
    if (lower.contains("subject alternative name") || lower.contains("no name matching")) {
      return "its certificate is not issued for "
          + settings.target().host()
          + "; use an address it names, or issue it for this one ("
          + message
          + ")";
    }
    // An agent serving attested TLS answers a handshake it cannot make a certificate for (no
    // nonce, or no evidence) with handshake_failure (JDK) or internal_error (BoringSSL).
    boolean noCertificate =
        lower.contains("handshake_failure")
            || lower.contains("handshake failure")
            || lower.contains("alert_internal_error")
            || lower.contains("internal_error");
    if (settings.attested().wanted() && noCertificate) {
      return "the "
          + server.name()
          + " could not answer with attested TLS; if it serves attested TLS, it cannot gather"
          + " evidence now (see its log) ("
          + message
          + ")";
    }
    if (!settings.attested().wanted() && noCertificate) {
      return "the "
          + server.name()
          + " refused the handshake; if its manifest says attested_tls: true, set "
          + AttestedTlsSettings.ATTESTED_TLS
          + "=true and "
          + AttestedTlsSettings.POLICY
          + " ("
          + message
          + ")";
    }
    if (lower.contains("certificate_required")
        || lower.contains("bad_certificate")
        || lower.contains("unknown_ca")
        || lower.contains("certificate_unknown")) {
      return settings.clientCert().isEmpty()
          ? "the "
              + server.name()
              + " requires a client certificate; set "
              + server.variable("CLIENT_CERT")
              + " and "
              + server.variable("CLIENT_KEY")
              + " ("
              + message
              + ")"
          : "the "
              + server.name()
              + " does not accept the client certificate in "
              + server.variable("CLIENT_CERT")
              + "="
              + settings.clientCert().get()
              + "; is it signed by a CA the "
              + server.name()
              + " trusts? ("
              + message
              + ")";
    }
    return message;
  }

  /**
   * The status's code and description, and its cause's message, for {@code --verbose}.
   *
   * @param status a failed call's status
   * @return for example {@code UNAVAILABLE: io exception (cause: Connection refused)}
   */
  static String details(Status status) {
    StringBuilder b = new StringBuilder("gRPC status ").append(status.getCode());
    if (status.getDescription() != null) {
      b.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null) {
      b.append(" (cause: ").append(status.getCause()).append(')');
    }
    return b.toString();
  }

  private static String describe(Status status) {
    if (status.getDescription() != null && !status.getDescription().isBlank()) {
      return status.getDescription();
    }
    return status.getCause() != null ? rootMessage(status.getCause()) : status.getCode().name();
  }

  private static Throwable next(Throwable t) {
    return t.getCause() == t ? null : t.getCause();
  }

  /** The innermost message of an exception chain. */
  static String rootMessage(Throwable e) {
    String message = null;
    for (Throwable t = e; t != null; t = next(t)) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    return message != null ? message : e.getClass().getSimpleName();
  }

  /** Ends the channel and its event loop; returns once their threads are gone. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}

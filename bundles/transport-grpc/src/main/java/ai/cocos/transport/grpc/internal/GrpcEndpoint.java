package ai.cocos.transport.grpc.internal;

import ai.cocos.api.transport.Transport;
import ai.cocos.transport.grpc.ServerKeyManagers;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.util.MutableHandlerRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One listening gRPC server: the standard health service, reflection (v1 and v1alpha) and a mutable
 * registry of contributed services. Plain Java, usable without a framework; {@link GrpcTransport}
 * wraps it as a component and registers it as the {@link Transport} service.
 *
 * <p>Contributed services are served through a fallback registry, so they come and go while the
 * server runs. Several contributions may carry the same service name: the one with the highest
 * ranking (then the earliest added) is served, and the next takes over when it leaves. A service
 * name reports SERVING on the health service while at least one contribution for it is present.
 *
 * <p>Plaintext unless the settings name a certificate and key: then TLS 1.3 and 1.2 only (JDK
 * provider, HTTP/2 cipher suites), and with a client CA mutual TLS (a client without a certificate
 * chaining to it is refused during the handshake). The files are read and checked when the endpoint
 * opens; a problem fails the opening, naming the file.
 *
 * <p>Thread-safe. {@link #close()} and {@link Contribution#close()} block for at most the
 * configured grace period (plus a bounded wait for the sockets to close).
 */
final class GrpcEndpoint implements Transport, AutoCloseable {
  /** The protocol this endpoint speaks, as published in {@link Transport#PROTOCOL_PROPERTY}. */
  static final String PROTOCOL = "grpc";

  /**
   * Service property of the {@link Transport} registration telling how the endpoint protects its
   * connections: {@value #TLS_NONE}, {@value #TLS_SERVER} or {@value #TLS_MUTUAL}.
   */
  static final String TLS_PROPERTY = "cocos.transport.tls";

  /** {@link #TLS_PROPERTY}: plaintext. */
  static final String TLS_NONE = "none";

  /** {@link #TLS_PROPERTY}: TLS, clients unauthenticated. */
  static final String TLS_SERVER = "tls";

  /** {@link #TLS_PROPERTY}: mutual TLS, client certificates required. */
  static final String TLS_MUTUAL = "mtls";

  private static final System.Logger LOG = System.getLogger(GrpcEndpoint.class.getName());

  /** Services the endpoint serves itself; a contribution cannot replace them. */
  private static final Set<String> BUILT_IN =
      Set.of(
          HealthGrpc.SERVICE_NAME,
          io.grpc.reflection.v1.ServerReflectionGrpc.SERVICE_NAME,
          io.grpc.reflection.v1alpha.ServerReflectionGrpc.SERVICE_NAME);

  /** Highest ranking first; among equal rankings the earliest added. */
  private static final Comparator<Contribution> SERVING_ORDER =
      Comparator.comparingInt((Contribution c) -> c.ranking)
          .reversed()
          .thenComparingLong(c -> c.sequence);

  /** How long to wait for the server to terminate after cancelling the calls still running. */
  private static final Duration TERMINATION_WAIT = Duration.ofSeconds(2);

  private final Settings settings;
  private final Server server;
  private final MutableHandlerRegistry registry;
  private final HealthStatusManager health;
  private final InetSocketAddress address;
  private final Threads threads;

  /** What the health service reports, readable for {@link #health(String)}. */
  private final Map<String, ServingStatus> statuses = new ConcurrentHashMap<>();

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, List<Contribution>> contributions = new HashMap<>();
  // guarded by lock
  private long nextSequence;
  // guarded by lock
  private boolean closed;

  private GrpcEndpoint(
      Settings settings,
      Server server,
      MutableHandlerRegistry registry,
      HealthStatusManager health,
      InetSocketAddress address,
      Threads threads) {
    this.threads = threads;
    this.settings = settings;
    this.server = server;
    this.registry = registry;
    this.health = health;
    this.address = address;
  }

  /**
   * Starts a server and returns once it listens.
   *
   * @param settings what to listen on and how
   * @return the listening endpoint, health SERVING for the empty name and the endpoint's name
   * @throws EndpointStartException if the host does not resolve, a TLS file is missing, unreadable
   *     or invalid (naming the file and the problem), or the address cannot be bound
   */
  static GrpcEndpoint open(Settings settings) throws EndpointStartException {
    return open(settings, Optional.empty());
  }

  /**
   * Starts a server whose TLS certificate a key manager picks per connection, and returns once it
   * listens.
   *
   * @param settings what to listen on and how; {@code tlsKeyManager} set
   * @param keyManager the key manager the settings name, asked at each handshake (for example for a
   *     certificate made for the connection's SNI); empty when the settings name none
   * @return the listening endpoint
   * @throws EndpointStartException as {@link #open(Settings)}, or if the settings name a key
   *     manager and none is given
   */
  @SuppressWarnings("deprecation") // the v1alpha reflection service: older clients only know it
  static GrpcEndpoint open(Settings settings, Optional<X509ExtendedKeyManager> keyManager)
      throws EndpointStartException {
    InetSocketAddress requested = new InetSocketAddress(settings.host(), settings.port());
    if (requested.isUnresolved()) {
      throw new EndpointStartException(
          "gRPC endpoint '"
              + settings.endpoint()
              + "' cannot listen on "
              + settings.hostAndPort()
              + ": host name '"
              + settings.host()
              + "' does not resolve; configure an address of this machine",
          null);
    }
    // Before any thread starts: a bad file fails here, naming it.
    SslContext tls = settings.tls().isPresent() ? ServerTls.context(settings, keyManager) : null;
    MutableHandlerRegistry registry = new MutableHandlerRegistry();
    HealthStatusManager health = new HealthStatusManager();
    // Own threads, shut down with the endpoint: grpc's shared ones outlive a stopped bundle and
    // then fail on its closed class loader. NIO, not epoll: no native library to extract.
    Threads threads = new Threads(settings.endpoint());
    Server server;
    // grpc-java and netty look up providers with ServiceLoader; inside a framework the embedded
    // jars are visible only through this bundle's class loader.
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(GrpcEndpoint.class.getClassLoader());
    try {
      NettyServerBuilder builder = NettyServerBuilder.forAddress(requested);
      if (tls != null) {
        builder.sslContext(tls);
      }
      server =
          builder
              .bossEventLoopGroup(threads.boss)
              .workerEventLoopGroup(threads.workers)
              .channelType(NioServerSocketChannel.class)
              .executor(threads.calls)
              .fallbackHandlerRegistry(registry)
              .maxInboundMessageSize(settings.maxInboundMessageBytes())
              // Uploads arrive in 1 MiB messages: a window of several messages keeps the client
              // sending while the agent writes the previous one to disk (auto-tuning stays on).
              .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
              .addService(health.getHealthService())
              .addService(ProtoReflectionServiceV1.newInstance())
              .addService(ProtoReflectionService.newInstance())
              .build();
      try {
        server.start();
      } catch (IOException | RuntimeException e) {
        server.shutdownNow();
        threads.close();
        throw new EndpointStartException(
            "gRPC endpoint '"
                + settings.endpoint()
                + "' cannot listen on "
                + settings.hostAndPort()
                + ": "
                + rootMessage(e)
                + "; free the port or configure another one",
            e);
      }
    } finally {
      thread.setContextClassLoader(previous);
    }
    InetSocketAddress bound = boundAddress(server, requested);
    GrpcEndpoint endpoint = new GrpcEndpoint(settings, server, registry, health, bound, threads);
    endpoint.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    endpoint.setStatus(settings.endpoint(), ServingStatus.SERVING);
    return endpoint;
  }

  private static InetSocketAddress boundAddress(Server server, InetSocketAddress requested) {
    for (SocketAddress socket : server.getListenSockets()) {
      if (socket instanceof InetSocketAddress inet) {
        return new InetSocketAddress(requested.getAddress(), inet.getPort());
      }
    }
    return new InetSocketAddress(requested.getAddress(), server.getPort());
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }

  /**
   * Serves a service on this endpoint until the returned contribution is closed.
   *
   * @param service the service
   * @param ranking the ranking among contributions of the same service name; higher wins
   * @return the contribution, to close when the service leaves
   * @throws IllegalArgumentException if the service would replace health or reflection
   * @throws IllegalStateException if the endpoint is closed
   */
  Contribution addService(BindableService service, int ranking) {
    return addService(service.bindService(), ranking);
  }

  /**
   * Serves a service definition on this endpoint until the returned contribution is closed.
   *
   * @param definition the service definition
   * @param ranking the ranking among contributions of the same service name; higher wins
   * @return the contribution, to close when the service leaves
   * @throws IllegalArgumentException if the service would replace health or reflection
   * @throws IllegalStateException if the endpoint is closed
   */
  Contribution addService(ServerServiceDefinition definition, int ranking) {
    String name = definition.getServiceDescriptor().getName();
    if (BUILT_IN.contains(name)) {
      throw new IllegalArgumentException(
          "service "
              + name
              + " is built into gRPC endpoint '"
              + settings.endpoint()
              + "' and cannot be contributed");
    }
    CallGuard guard = new CallGuard(name, settings.endpoint());
    ServerServiceDefinition guarded = ServerInterceptors.intercept(definition, guard);
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException(
            "gRPC endpoint '" + settings.endpoint() + "' is closed; cannot serve " + name);
      }
      Contribution contribution = new Contribution(name, ranking, nextSequence++, guarded, guard);
      List<Contribution> same = contributions.computeIfAbsent(name, n -> new ArrayList<>());
      same.add(contribution);
      same.sort(SERVING_ORDER);
      if (same.get(0) == contribution) {
        registry.addService(guarded);
      }
      setStatus(name, ServingStatus.SERVING);
      LOG.log(
          System.Logger.Level.DEBUG,
          "gRPC endpoint ''{0}'' serves {1} (ranking {2})",
          settings.endpoint(),
          name,
          ranking);
      return contribution;
    }
  }

  private void withdraw(Contribution contribution) {
    boolean endpointClosed;
    synchronized (lock) {
      List<Contribution> same = contributions.get(contribution.name);
      if (same == null) {
        return;
      }
      boolean wasServed = !same.isEmpty() && same.get(0) == contribution;
      if (!same.remove(contribution)) {
        return;
      }
      if (same.isEmpty()) {
        contributions.remove(contribution.name);
        registry.removeService(contribution.definition);
        setStatus(contribution.name, ServingStatus.NOT_SERVING);
      } else if (wasServed) {
        registry.addService(same.get(0).definition);
      }
      endpointClosed = closed;
    }
    // No new call reaches this contribution any more; let the running ones finish.
    contribution.guard.retire(endpointClosed ? Duration.ZERO : settings.shutdownGrace());
  }

  private void setStatus(String service, ServingStatus status) {
    statuses.put(service, status);
    health.setStatus(service, status);
  }

  /**
   * Stops listening: health turns NOT_SERVING everywhere, new calls are refused, running calls get
   * the grace period and are then cancelled. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      statuses.replaceAll((service, status) -> ServingStatus.NOT_SERVING);
      health.enterTerminalState();
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.log(
            System.Logger.Level.INFO,
            "gRPC endpoint ''{0}'': calls still running after {1} ms are cancelled",
            settings.endpoint(),
            settings.shutdownGrace().toMillis());
        server.shutdownNow();
        if (!server.awaitTermination(TERMINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.log(
              System.Logger.Level.WARNING,
              "gRPC endpoint ''{0}'' did not terminate within {1} ms of cancelling its calls",
              settings.endpoint(),
              TERMINATION_WAIT.toMillis());
        }
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      threads.close();
    }
  }

  /**
   * Whether {@link #close()} has run.
   *
   * @return true once closed
   */
  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /**
   * The service properties of the {@link Transport} registration.
   *
   * @return endpoint, protocol, {@code host:port} with the real port, and the TLS mode ({@value
   *     #TLS_PROPERTY})
   */
  Map<String, Object> serviceProperties() {
    return Map.of(
        ENDPOINT_PROPERTY,
        endpoint(),
        PROTOCOL_PROPERTY,
        protocol(),
        ADDRESS_PROPERTY,
        settings.hostAndPort(address.getPort()),
        TLS_PROPERTY,
        settings.tlsMode(),
        ServerKeyManagers.TRANSPORT_PROPERTY,
        settings.tls().flatMap(TlsSettings::keyManager).orElse(""));
  }

  @Override
  public String endpoint() {
    return settings.endpoint();
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public HealthStatus health(String service) {
    ServingStatus status = statuses.get(service == null ? "" : service);
    if (status == null) {
      return HealthStatus.SERVICE_UNKNOWN;
    }
    return status == ServingStatus.SERVING ? HealthStatus.SERVING : HealthStatus.NOT_SERVING;
  }

  @Override
  public String toString() {
    String mode =
        switch (settings.tlsMode()) {
          case TLS_MUTUAL -> " (TLS, client certificates required)";
          case TLS_SERVER -> " (TLS)";
          default -> " (plaintext)";
        };
    String km = settings.tls().flatMap(TlsSettings::keyManager).orElse(null);
    if (km != null) {
      mode =
          mode.replace(
              "(TLS", "(TLS 1.3, a certificate per connection from key manager '" + km + "'");
    }
    return "gRPC endpoint '"
        + endpoint()
        + "' on "
        + settings.hostAndPort(address.getPort())
        + mode;
  }

  /** One service contributed to the endpoint; closing it withdraws the service. */
  final class Contribution implements AutoCloseable {
    private final String name;
    private final int ranking;
    private final long sequence;
    private final ServerServiceDefinition definition;
    private final CallGuard guard;

    private Contribution(
        String name,
        int ranking,
        long sequence,
        ServerServiceDefinition definition,
        CallGuard guard) {
      this.name = name;
      this.ranking = ranking;
      this.sequence = sequence;
      this.definition = definition;
      this.guard = guard;
    }

    /**
     * The fully qualified gRPC service name.
     *
     * @return for example {@code manager.ManagerService}
     */
    String serviceName() {
      return name;
    }

    /**
     * Withdraws the service: new calls no longer reach it, its health turns NOT_SERVING unless
     * another contribution of the same name remains, calls already running get the grace period and
     * are then cancelled with UNAVAILABLE. After this returns the service's code is no longer
     * called (a callback already running may still finish). Idempotent.
     */
    @Override
    public void close() {
      withdraw(this);
    }
  }

  /**
   * What an endpoint listens on, validated.
   *
   * @param endpoint the endpoint's name
   * @param host host name or address to bind
   * @param port TCP port, 0 for an ephemeral one
   * @param maxInboundMessageBytes largest accepted message
   * @param shutdownGrace how long running calls may finish when the endpoint or a service closes
   * @param tls the TLS settings, or empty for plaintext
   */
  /** The initial HTTP/2 flow-control window per stream (auto-tuned from there). */
  static final int FLOW_CONTROL_WINDOW = 8 * 1024 * 1024;

  record Settings(
      String endpoint,
      String host,
      int port,
      int maxInboundMessageBytes,
      Duration shutdownGrace,
      Optional<TlsSettings> tls) {

    /** Validates the settings; messages name the configuration property to fix. */
    Settings {
      if (endpoint == null || endpoint.isBlank()) {
        throw new IllegalArgumentException(
            "gRPC transport configuration: 'endpoint' is missing; set it to agent or manager");
      }
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException(
            "gRPC endpoint '" + endpoint + "': 'host' is empty; set a host name or address");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "gRPC endpoint '" + endpoint + "': 'port' " + port + " is outside 0..65535");
      }
      if (maxInboundMessageBytes <= 0) {
        throw new IllegalArgumentException(
            "gRPC endpoint '"
                + endpoint
                + "': 'maxInboundMessageBytes' must be positive, is "
                + maxInboundMessageBytes);
      }
      if (shutdownGrace == null || shutdownGrace.isNegative()) {
        throw new IllegalArgumentException(
            "gRPC endpoint '"
                + endpoint
                + "': 'shutdownGraceMillis' must be 0 or more, is "
                + (shutdownGrace == null ? "missing" : shutdownGrace.toMillis()));
      }
      if (tls == null) {
        tls = Optional.empty();
      }
      endpoint = endpoint.trim();
      host = host.trim();
    }

    /**
     * Settings from a component configuration.
     *
     * @param config the configuration
     * @return the validated settings
     * @throws IllegalArgumentException naming the property that is wrong
     */
    static Settings from(GrpcTransportConfig config) {
      String name = config.endpoint() == null ? "" : config.endpoint().trim();
      return new Settings(
          config.endpoint(),
          config.host(),
          config.port(),
          config.maxInboundMessageBytes(),
          Duration.ofMillis(config.shutdownGraceMillis()),
          TlsSettings.from(
              name,
              config.tlsCertFile(),
              config.tlsKeyFile(),
              config.tlsKeyManager(),
              config.tlsClientCaFile()));
    }

    String hostAndPort() {
      return hostAndPort(port);
    }

    String hostAndPort(int actualPort) {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + actualPort;
    }

    /**
     * How connections are protected.
     *
     * @return {@value #TLS_NONE}, {@value #TLS_SERVER} or {@value #TLS_MUTUAL}
     */
    String tlsMode() {
      if (tls.isEmpty()) {
        return TLS_NONE;
      }
      return tls.get().clientCaFile().isPresent() ? TLS_MUTUAL : TLS_SERVER;
    }
  }

  /**
   * An endpoint's TLS: a certificate chain and key from files, or a key manager service that picks
   * the certificate per connection; and, for mutual TLS, the client CA file.
   *
   * @param certFile the certificate chain, leaf first (PEM), with {@code keyFile}
   * @param keyFile the leaf's private key (PKCS#8 PEM), with {@code certFile}
   * @param keyManager the name of the key manager service ({@link ServerKeyManagers}), instead of
   *     the files
   * @param clientCaFile the CA certificates client certificates must chain to, if clients must
   *     present one
   */
  record TlsSettings(
      Optional<Path> certFile,
      Optional<Path> keyFile,
      Optional<String> keyManager,
      Optional<Path> clientCaFile) {
    /** Checks that exactly one source of the server certificate is given. */
    TlsSettings {
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
      Objects.requireNonNull(keyManager, "keyManager");
      Objects.requireNonNull(clientCaFile, "clientCaFile");
      if (certFile.isPresent() != keyFile.isPresent()
          || certFile.isPresent() == keyManager.isPresent()) {
        throw new IllegalArgumentException(
            "TLS needs either a certificate and key file, or a key manager");
      }
    }

    /**
     * Reads the configuration's values (blank means unset).
     *
     * @return the settings, or empty for plaintext
     * @throws IllegalArgumentException if only one of certificate and key is set, both files and a
     *     key manager are set, a client CA is set without TLS, or a name is not valid
     */
    static Optional<TlsSettings> from(
        String endpoint, String cert, String key, String keyManager, String clientCa) {
      Optional<Path> c = path(endpoint, "tlsCertFile", cert);
      Optional<Path> k = path(endpoint, "tlsKeyFile", key);
      Optional<String> km =
          keyManager == null || keyManager.isBlank()
              ? Optional.empty()
              : Optional.of(keyManager.trim());
      Optional<Path> ca = path(endpoint, "tlsClientCaFile", clientCa);
      if (c.isPresent() != k.isPresent()) {
        throw new IllegalArgumentException(
            "gRPC endpoint '"
                + endpoint
                + "': "
                + (c.isPresent() ? "'tlsCertFile' is set but 'tlsKeyFile' is not" : "")
                + (k.isPresent() ? "'tlsKeyFile' is set but 'tlsCertFile' is not" : "")
                + "; TLS needs both the certificate chain and its private key");
      }
      if (c.isPresent() && km.isPresent()) {
        throw new IllegalArgumentException(
            "gRPC endpoint '"
                + endpoint
                + "': 'tlsKeyManager' and 'tlsCertFile'/'tlsKeyFile' are both set; the"
                + " certificate comes either from the files or from the key manager");
      }
      if (km.isPresent() && !ServerKeyManagers.validName(km.get())) {
        throw new IllegalArgumentException(
            "gRPC endpoint '"
                + endpoint
                + "': 'tlsKeyManager' '"
                + km.get()
                + "' is not a valid name (1-64 characters of A-Z a-z 0-9 . _ -)");
      }
      if (c.isEmpty() && km.isEmpty()) {
        if (ca.isPresent()) {
          throw new IllegalArgumentException(
              "gRPC endpoint '"
                  + endpoint
                  + "': 'tlsClientCaFile' is set without 'tlsCertFile' and 'tlsKeyFile' (or"
                  + " 'tlsKeyManager'); client certificates need TLS");
        }
        return Optional.empty();
      }
      return Optional.of(new TlsSettings(c, k, km, ca));
    }

    private static Optional<Path> path(String endpoint, String property, String value) {
      if (value == null || value.isBlank()) {
        return Optional.empty();
      }
      try {
        return Optional.of(Path.of(value.trim()));
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException(
            "gRPC endpoint '" + endpoint + "': '" + property + "' is not a valid path: " + value,
            e);
      }
    }
  }

  /** Reads and checks an endpoint's TLS files and builds its server context. */
  private static final class ServerTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * With a key manager (attested TLS): 1.3 only, so the client checks the certificate before it
     * sends anything, and the certificate travels encrypted.
     */
    private static final String[] KEY_MANAGER_PROTOCOLS = {"TLSv1.3"};

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";

    private ServerTls() {}

    /** System property that forces the JDK's TLS ({@code jdk}) instead of BoringSSL. */
    static final String PROVIDER_PROPERTY = "cocos.grpc.tls.provider";

    /**
     * BoringSSL (netty-tcnative, embedded in grpc-netty-shaded) where it loads, else the JDK's TLS.
     * The JDK 17 provider hashes AES-GCM's GHASH in plain Java for the direct buffers netty hands
     * it ({@code GHASH.processBlocksDirect}, not intrinsified): profiled, that was 70% of an
     * agent's CPU during a dataset upload. BoringSSL decrypts at memory speed.
     */
    static SslProvider provider() {
      if ("jdk".equalsIgnoreCase(System.getProperty(PROVIDER_PROPERTY, ""))) {
        return SslProvider.JDK;
      }
      return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    static SslContext context(Settings settings, Optional<X509ExtendedKeyManager> keyManager)
        throws EndpointStartException {
      TlsSettings files = settings.tls().orElseThrow();
      String ep = settings.endpoint();
      SslContextBuilder b;
      if (files.keyManager().isPresent()) {
        if (keyManager.isEmpty()) {
          throw new EndpointStartException(
              "gRPC endpoint '"
                  + ep
                  + "' cannot start TLS: no key manager service named '"
                  + files.keyManager().get()
                  + "' ("
                  + ServerKeyManagers.SERVICE_PROPERTY
                  + ") is registered",
              null);
        }
        b = SslContextBuilder.forServer(keyManager.get());
      } else {
        List<X509Certificate> chain =
            certificates(ep, "tlsCertFile", files.certFile().orElseThrow());
        PrivateKey key = privateKey(ep, files.keyFile().orElseThrow());
        checkPair(ep, files, key, chain.get(0));
        b = SslContextBuilder.forServer(key, chain);
      }
      try {
        GrpcSslContexts.configure(b, provider());
        b.protocols(files.keyManager().isPresent() ? KEY_MANAGER_PROTOCOLS : PROTOCOLS);
        if (files.clientCaFile().isPresent()) {
          List<X509Certificate> cas =
              certificates(ep, "tlsClientCaFile", files.clientCaFile().get());
          b.trustManager(cas).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
      } catch (IOException | RuntimeException e) {
        throw new EndpointStartException(
            "gRPC endpoint '" + ep + "' cannot set up TLS: " + rootMessage(e), e);
      }
    }

    private static byte[] read(String endpoint, String property, Path file)
        throws EndpointStartException {
      try {
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw fileProblem(endpoint, property, file, "the file does not exist", e);
      } catch (IOException | SecurityException e) {
        throw fileProblem(
            endpoint, property, file, "the file cannot be read: " + rootMessage(e), e);
      }
    }

    private static List<X509Certificate> certificates(String endpoint, String property, Path file)
        throws EndpointStartException {
      byte[] bytes = read(endpoint, property, file);
      List<X509Certificate> certs = new ArrayList<>();
      try {
        for (var c :
            CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(bytes))) {
          certs.add((X509Certificate) c);
        }
      } catch (CertificateException | RuntimeException e) {
        throw fileProblem(
            endpoint, property, file, "not PEM X.509 certificates: " + rootMessage(e), e);
      }
      if (certs.isEmpty()) {
        throw fileProblem(
            endpoint, property, file, "no -----BEGIN CERTIFICATE----- block in the file", null);
      }
      return certs;
    }

    private static PrivateKey privateKey(String endpoint, Path file) throws EndpointStartException {
      String text = new String(read(endpoint, "tlsKeyFile", file), StandardCharsets.US_ASCII);
      int begin = text.indexOf(KEY_BEGIN);
      int end = text.indexOf(KEY_END);
      if (begin < 0 || end < begin) {
        String found =
            text.contains("ENCRYPTED PRIVATE KEY")
                ? "an encrypted key; give an unencrypted PKCS#8 key"
                : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY")
                    ? "a PKCS#1 or SEC1 key; convert it with openssl pkcs8 -topk8 -nocrypt"
                    : "no -----BEGIN PRIVATE KEY----- block (PKCS#8) in the file";
        throw fileProblem(endpoint, "tlsKeyFile", file, found, null);
      }
      byte[] der;
      try {
        der =
            Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end).trim());
      } catch (IllegalArgumentException e) {
        throw fileProblem(
            endpoint, "tlsKeyFile", file, "broken base64 in the key block: " + e.getMessage(), e);
      }
      for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
          // try the next type
        }
      }
      throw fileProblem(
          endpoint, "tlsKeyFile", file, "not an RSA, EC or EdDSA PKCS#8 private key", null);
    }

    /** Signs with the key and verifies with the leaf: a mismatch would fail every handshake. */
    private static void checkPair(
        String endpoint, TlsSettings files, PrivateKey key, X509Certificate leaf)
        throws EndpointStartException {
      PublicKey pub = leaf.getPublicKey();
      String algorithm =
          switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
          };
      boolean match;
      try {
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        Signature s = Signature.getInstance(algorithm);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(algorithm);
        v.initVerify(pub);
        v.update(probe);
        match = v.verify(sig);
      } catch (GeneralSecurityException | RuntimeException e) {
        match = false;
      }
      if (!match) {
        throw fileProblem(
            endpoint,
            "tlsKeyFile",
            files.keyFile().orElseThrow(),
            "not the private key of the first certificate in " + files.certFile().orElseThrow(),
            null);
      }
    }

    private static EndpointStartException fileProblem(
        String endpoint, String property, Path file, String problem, Throwable cause) {
      return new EndpointStartException(
          "gRPC endpoint '"
              + endpoint
              + "' cannot start TLS: "
              + property
              + " '"
              + file
              + "': "
              + problem,
          cause);
    }
  }

  /** The endpoint's own event loops and call executor. */
  private static final class Threads {
    private static final long QUIET_MILLIS = 0;
    private static final long TIMEOUT_MILLIS = 5_000;

    final EventLoopGroup boss;
    final EventLoopGroup workers;
    final ExecutorService calls;

    Threads(String endpoint) {
      boss =
          new MultiThreadIoEventLoopGroup(
              1, factory("grpc-" + endpoint + "-accept"), NioIoHandler.newFactory());
      workers =
          new MultiThreadIoEventLoopGroup(
              0, factory("grpc-" + endpoint + "-io"), NioIoHandler.newFactory());
      calls = Executors.newCachedThreadPool(factory("grpc-" + endpoint + "-call"));
    }

    private static ThreadFactory factory(String prefix) {
      AtomicInteger n = new AtomicInteger();
      return r -> {
        Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }

    /** Stops every thread and waits for them, so none outlives the bundle's class loader. */
    void close() {
      var b = boss.shutdownGracefully(QUIET_MILLIS, TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      var w = workers.shutdownGracefully(QUIET_MILLIS, TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      calls.shutdown();
      b.awaitUninterruptibly(TIMEOUT_MILLIS);
      w.awaitUninterruptibly(TIMEOUT_MILLIS);
      try {
        if (!calls.awaitTermination(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
          calls.shutdownNow();
        }
      } catch (InterruptedException e) {
        calls.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}

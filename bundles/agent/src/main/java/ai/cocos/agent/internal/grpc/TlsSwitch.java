package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.internal.Wiper;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.tee.AttestationException;
import ai.cocos.atls.AtlsServerKeyManager;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves the agent's gRPC endpoint with the TLS material of the running computation's manifest, and
 * plaintext otherwise.
 *
 * <p>{@link #secure} writes the manifest's certificate chain, key and (for mutual TLS) client CA as
 * files readable by the agent only (folder 0700, files 0600), has the {@link Endpoint} restart with
 * them, and returns once the endpoint listens with TLS. With {@code attested_tls: true} there are
 * no certificate or key files: the agent generates its key pair in memory and serves attested TLS
 * ({@link AttestedTls}: a certificate per connection carrying TEE evidence bound to the client's
 * nonce, the key and the manifest); only a client CA, if any, is written. If no TEE provider can
 * gather evidence, the computation cannot be served (fail closed). When the computation emits
 * {@code Wiped} (served, expired, failed or stopped) the endpoint goes back to plaintext and the
 * files are overwritten and deleted. One computation at a time, as the agent runs them.
 */
final class TlsSwitch implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TlsSwitch.class.getName());

  /** The folder name under the agent's work folder; {@code ~} is never in a computation id. */
  static final String FOLDER = "~endpoint-tls";

  /** How one computation's endpoint is protected. */
  sealed interface EndpointTls permits TlsFiles, Attested {
    /**
     * The CA client certificates must chain to (mutual TLS), if any.
     *
     * @return the PEM file
     */
    Optional<Path> clientCaFile();

    /**
     * The mode, for logs and tests.
     *
     * @return {@code tls}, {@code mtls}, {@code atls} or {@code matls}
     */
    String mode();
  }

  /**
   * Attested TLS: a key manager making each connection's certificate (its key exists only in it).
   *
   * @param name the name the key manager is published under for the endpoint
   * @param keyManager the key manager
   * @param clientCaFile the client CA file for mutual attested TLS, if any
   */
  record Attested(String name, X509ExtendedKeyManager keyManager, Optional<Path> clientCaFile)
      implements EndpointTls {
    /** Checks that nothing is missing. */
    Attested {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(keyManager, "keyManager");
      Objects.requireNonNull(clientCaFile, "clientCaFile");
    }

    @Override
    public String mode() {
      return clientCaFile.isPresent() ? "matls" : "atls";
    }
  }

  /** The files one computation's TLS needs. */
  record TlsFiles(Path certFile, Path keyFile, Optional<Path> clientCaFile) implements EndpointTls {
    /** Checks that nothing is missing. */
    TlsFiles {
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
      Objects.requireNonNull(clientCaFile, "clientCaFile");
    }

    /**
     * The endpoint's TLS mode with these files, as its {@code Transport} service reports it.
     *
     * @return {@code tls} or {@code mtls}
     */
    @Override
    public String mode() {
      return clientCaFile.isPresent() ? "mtls" : "tls";
    }
  }

  /** The endpoint being switched. */
  interface Endpoint {
    /**
     * Restarts the endpoint with TLS from these files or this key manager, or in plaintext, and
     * returns once it listens so (a no-op if it already does).
     *
     * @param tls the TLS, or empty for plaintext
     * @throws TlsSwitchException naming what failed
     */
    void serve(Optional<EndpointTls> tls) throws TlsSwitchException;

    /**
     * Asks the endpoint to go back to plaintext without waiting for it (the agent is stopping; a
     * framework may be stopping with it).
     */
    void reset();
  }

  /** Switching failed; the message says why. */
  static final class TlsSwitchException extends Exception {
    private static final long serialVersionUID = 1L;

    TlsSwitchException(String message) {
      super(message);
    }

    TlsSwitchException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path dir;
  private final Endpoint endpoint;
  private final AttestedTls attested;
  private final AtomicInteger names = new AtomicInteger();
  private final ExecutorService reverts;
  private final Object lock = new Object();
  // guarded by lock
  private ComputationService secured;
  // guarded by lock
  private AgentListener.Subscription subscription;
  // guarded by lock
  private boolean closed;

  /**
   * Creates the switch.
   *
   * @param dir the private folder for the TLS files (created 0700 when needed)
   * @param endpoint the endpoint to switch
   */
  TlsSwitch(Path dir, Endpoint endpoint) {
    this(dir, endpoint, AttestedTls.none());
  }

  /**
   * Creates the switch.
   *
   * @param dir the private folder for the TLS files (created 0700 when needed)
   * @param endpoint the endpoint to switch
   * @param attested makes attested-TLS identities from the agent's TEE providers
   */
  TlsSwitch(Path dir, Endpoint endpoint, AttestedTls attested) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.attested = Objects.requireNonNull(attested, "attested");
    this.reverts =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "cocos-agent-tls-revert");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The folder the switch keeps its files in, under an agent work folder.
   *
   * @param workDir the agent's work folder
   * @return {@code <workDir>/~endpoint-tls}
   */
  static Path folder(Path workDir) {
    return workDir.resolve(FOLDER);
  }

  /**
   * Serves the endpoint with a computation's TLS until the computation is wiped. For a manifest
   * without certificate the endpoint stays (or goes back to) plaintext.
   *
   * @param computation the computation just started
   * @throws TlsSwitchException if the files cannot be written or the endpoint does not come back
   *     with TLS; the endpoint is then plaintext again and the files are gone
   */
  void secure(ComputationService computation) throws TlsSwitchException {
    AgentConfig config = computation.manifest().agentConfig();
    synchronized (lock) {
      if (closed) {
        throw new TlsSwitchException("the agent is shutting down");
      }
      revertLocked(); // a previous computation's revert may still be queued
      if (config.certPem().isEmpty() && !config.attestedTls()) {
        return;
      }
      EndpointTls files;
      if (config.attestedTls()) {
        AtlsServerKeyManager km;
        try {
          km = attested.keyManager(computation.manifest(), computation.manifestDigest());
        } catch (AttestationException e) {
          throw new TlsSwitchException("attested TLS is not available: " + e.getMessage(), e);
        }
        try {
          files =
              new Attested(
                  "cocos-agent-atls-" + names.incrementAndGet(), km, writeClientCa(config));
        } catch (IOException e) {
          wipeFiles();
          throw new TlsSwitchException(
              "cannot write the agent's client CA file into " + dir + ": " + e.getMessage(), e);
        }
      } else {
        try {
          files = write(config);
        } catch (IOException e) {
          wipeFiles();
          throw new TlsSwitchException(
              "cannot write the agent's TLS files into " + dir + ": " + e.getMessage(), e);
        }
      }
      try {
        endpoint.serve(Optional.of(files));
      } catch (TlsSwitchException e) {
        try {
          endpoint.serve(Optional.empty());
        } catch (TlsSwitchException again) {
          LOG.log(
              Level.WARNING, "agent endpoint: cannot return to plaintext: " + again.getMessage());
        }
        wipeFiles();
        throw e;
      }
      secured = computation;
      subscription =
          computation.subscribe(
              new AgentListener() {
                @Override
                public void onEvent(AgentEvent event) {
                  if (event.eventType().equals("Wiped")) {
                    revertLater(computation);
                  }
                }
              });
      LOG.log(
          Level.INFO,
          "agent endpoint serves computation {0} with {1}",
          computation.id(),
          switch (files.mode()) {
            case "matls" -> "mutual attested TLS";
            case "atls" -> "attested TLS";
            case "mtls" -> "mutual TLS";
            default -> "TLS";
          });
    }
    if (computation.finished()) {
      revertLater(computation); // wiped before the subscription began
    }
  }

  /**
   * The computation whose TLS the endpoint serves.
   *
   * @return it, or empty while plaintext
   */
  Optional<ComputationService> secured() {
    synchronized (lock) {
      return Optional.ofNullable(secured);
    }
  }

  private void revertLater(ComputationService computation) {
    try {
      reverts.execute(
          () -> {
            synchronized (lock) {
              if (secured == computation) {
                revertLocked();
              }
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: close() reverts
    }
  }

  private void revertLocked() {
    if (secured == null) {
      return;
    }
    String id = secured.id();
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
    secured = null;
    // The running TLS server holds its key in memory: the files go first, so that a plaintext
    // endpoint always means the computation's key is gone from disk.
    wipeFiles();
    try {
      endpoint.serve(Optional.empty());
      LOG.log(Level.INFO, "agent endpoint back to plaintext after computation {0}", id);
    } catch (TlsSwitchException e) {
      LOG.log(Level.WARNING, "agent endpoint: cannot return to plaintext: " + e.getMessage());
    }
  }

  /** Asks the endpoint to return to plaintext (without waiting) and deletes the files. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (subscription != null) {
        subscription.close();
        subscription = null;
      }
      if (secured != null) {
        secured = null;
        endpoint.reset();
      }
      wipeFiles();
    }
    reverts.shutdown();
    try {
      reverts.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private TlsFiles write(AgentConfig config) throws IOException {
    privateFolder();
    Path cert = writePrivate(dir.resolve("cert.pem"), config.certPem().orElseThrow());
    Path key = writePrivate(dir.resolve("key.pem"), config.keyPem().orElseThrow());
    return new TlsFiles(cert, key, clientCa(config));
  }

  /** Attested TLS has no certificate or key files: only the client CA, if any. */
  private Optional<Path> writeClientCa(AgentConfig config) throws IOException {
    if (config.clientCaPem().isEmpty()) {
      return Optional.empty();
    }
    privateFolder();
    return clientCa(config);
  }

  private void privateFolder() throws IOException {
    wipeFiles();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  private Optional<Path> clientCa(AgentConfig config) throws IOException {
    if (config.clientCaPem().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(writePrivate(dir.resolve("client-ca.pem"), config.clientCaPem().get()));
  }

  /**
   * Creates the file 0600 from the start: the key is never readable by others, not even briefly.
   */
  private static Path writePrivate(Path file, String text) throws IOException {
    try (SeekableByteChannel ch =
        Files.newByteChannel(
            file,
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        ch.write(b);
      }
    } catch (FileAlreadyExistsException e) {
      throw new IOException(file + " exists and could not be wiped first", e);
    }
    return file;
  }

  private void wipeFiles() {
    try {
      Wiper.wipe(dir, true);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot wipe the agent's TLS files in " + dir + ": " + e.getMessage());
    }
  }
}

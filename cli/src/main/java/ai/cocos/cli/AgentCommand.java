package ai.cocos.cli;

import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.KeyFormatException;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;

/**
 * A command that calls the agent with a signed request: {@code algo}, {@code data}, {@code result}.
 * The connection comes from the {@code AGENT_GRPC_*} variables and {@code --agent}; the request is
 * signed (v1, {@link AuthzHeaders}) for the manifest given with {@code --manifest}. Streams have no
 * deadline (they can be large); {@code AGENT_GRPC_TIMEOUT} bounds only the connection's set-up. A
 * refusal becomes a {@link Failure} with the agent's reason (exit code 1).
 */
abstract class AgentCommand extends LocalCommand {
  @Mixin AgentOptions connection;

  /** The manifest read from {@code --manifest}. */
  Manifest manifest;

  /** The party's private key. */
  PrivateKey key;

  @Override
  final int run() throws Failure {
    Target override = null;
    if (connection.agent != null) {
      try {
        override = Target.parse(connection.agent);
      } catch (IllegalArgumentException e) {
        throw usage("--agent: " + e.getMessage());
      }
    }
    Path manifestFile = connection.manifest;
    if (manifestFile == null) {
      String fromEnv = Main.env(spec).apply("COCOS_MANIFEST");
      if (fromEnv == null || fromEnv.isBlank()) {
        throw usage(
            "give --manifest FILE, the computation's manifest as it was given to you (or set"
                + " COCOS_MANIFEST)");
      }
      manifestFile = Path.of(fromEnv.strip());
    }
    prepare();
    manifest = ManifestFiles.read(manifestFile);
    Path keyFile = privateKeyFile();
    key = LocalFiles.readPrivateKey(keyFile, keyFile.toString()).getPrivate();

    GrpcClient.Settings settings =
        GrpcClient.Settings.from(GrpcClient.Server.AGENT, Main.env(spec), override, "--agent")
            .attested(
                connection.attestedTls,
                connection.attestationPolicy,
                manifest,
                manifestFile,
                err());
    if (connection.verbose) {
      err().println(settings.describe());
    }
    if (!settings.tls()) {
      err()
          .println(
              "warning: AGENT_GRPC_SERVER_CA_CERTS is not set: the connection to the agent is"
                  + " not encrypted, what you send travels in plaintext");
    }
    err().flush();
    try (GrpcClient client = GrpcClient.open(settings)) {
      try {
        awaitConnection(client);
        return call(client);
      } catch (StatusRuntimeException e) {
        throw new Failure(explain(client, e.getStatus(), e));
      }
    }
  }

  /** The private key file argument. */
  abstract Path privateKeyFile();

  /**
   * Checks the command line and the local files, before anything is read or sent.
   *
   * @throws Failure if a file is missing
   */
  void prepare() throws Failure {}

  /**
   * Calls the agent and prints the outcome.
   *
   * @param client the connection
   * @return the exit code
   * @throws Failure if the operation failed for a reason the user can fix
   */
  abstract int call(GrpcClient client) throws Failure;

  /**
   * What failed, for a status without words of its own.
   *
   * @return for example {@code cannot upload the algorithm}
   */
  abstract String action();

  /**
   * The stub with the signed metadata of an operation attached.
   *
   * @param stub the stub
   * @param operation the operation signed
   * @param extra more metadata: each key with its values, in order
   * @param <S> the stub's type
   * @return the stub
   * @throws Failure if the key's type cannot sign
   */
  <S extends AbstractStub<S>> S signed(
      S stub, Operation operation, Map<String, java.util.List<String>> extra) throws Failure {
    Map<String, String> headers;
    try {
      headers = AuthzHeaders.sign(manifest, operation, key);
    } catch (KeyFormatException e) {
      throw new Failure("cannot sign with " + privateKeyFile() + ": " + e.getMessage());
    }
    Metadata md = new Metadata();
    headers.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    extra.forEach(
        (k, values) -> {
          Metadata.Key<String> mk = Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER);
          values.forEach(v -> md.put(mk, v));
        });
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /**
   * Waits until the channel is connected, failed, or {@code AGENT_GRPC_TIMEOUT} has passed; a
   * failure is left to the call, which reports it in words.
   */
  private static void awaitConnection(GrpcClient client) throws Failure {
    ManagedChannel channel = client.channel();
    long deadline = System.nanoTime() + client.settings().timeout().toNanos();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY && state != ConnectivityState.TRANSIENT_FAILURE) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        GrpcClient.Settings s = client.settings();
        throw new Failure(
            "no connection to the agent at "
                + s.target()
                + " within "
                + DurationConverter.format(s.timeout())
                + (s.timeoutSource().equals("default")
                    ? " (set AGENT_GRPC_TIMEOUT to wait longer)"
                    : " (" + s.timeoutSource() + ")"));
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      try {
        changed.await(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure("interrupted");
      }
      state = channel.getState(false);
    }
  }

  private String explain(GrpcClient client, Status status, StatusRuntimeException e) {
    String d = ManagerCommand.description(status);
    String message =
        client
            .connectionProblem(e)
            .orElseGet(
                () ->
                    switch (status.getCode()) {
                      case UNAUTHENTICATED, PERMISSION_DENIED ->
                          "the agent refused the signature: " + d;
                      case FAILED_PRECONDITION -> "the agent is not ready for this: " + d;
                      case ALREADY_EXISTS -> action() + ": the agent already has it: " + d;
                      case INVALID_ARGUMENT -> action() + ": the agent rejected it: " + d;
                      case NOT_FOUND -> action() + ": the agent has none: " + d;
                      case RESOURCE_EXHAUSTED -> action() + ": too large for the agent: " + d;
                      case CANCELLED, ABORTED -> action() + ": the agent broke off: " + d;
                      default ->
                          action()
                              + ": the agent answered "
                              + status.getCode()
                              + (status.getDescription() == null
                                  ? ""
                                  : ": " + status.getDescription());
                    });
    if (connection.verbose) {
      message += System.lineSeparator() + GrpcClient.details(status);
    }
    return message;
  }
}

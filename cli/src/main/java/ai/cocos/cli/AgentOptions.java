package ai.cocos.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of every command that calls the agent: {@code algo}, {@code data}, {@code result}.
 */
final class AgentOptions {
  /** After the command's own options in its help. */
  private static final int ORDER = 1000;

  @Option(
      names = {"-m", "--manifest"},
      order = ORDER,
      paramLabel = "FILE",
      description =
          "The computation's manifest, as it was given to you: the request is signed for its id"
              + " and digest (default: $COCOS_MANIFEST).")
  Path manifest;

  @Option(
      names = "--agent",
      order = ORDER + 1,
      paramLabel = "HOST:PORT",
      description = "The agent's address (default: $AGENT_GRPC_URL, else localhost:7002).")
  String agent;

  @Option(
      names = {"-q", "--quiet"},
      order = ORDER + 2,
      description = "No progress on standard error.")
  boolean quiet;

  @Option(
      names = "--attested-tls",
      order = ORDER + 4,
      description =
          "Attested TLS: verify the agent's TEE evidence (bound to a fresh nonce, its TLS key and"
              + " the manifest) in every TLS handshake, before anything is sent (default:"
              + " $AGENT_GRPC_ATTESTED_TLS; always on when the manifest says attested_tls: true).")
  boolean attestedTls;

  @Option(
      names = "--attestation-policy",
      order = ORDER + 5,
      paramLabel = "FILE",
      description =
          "The attestation policy the agent's evidence must satisfy under attested TLS: it pins"
              + " the image measurement (default: $AGENT_GRPC_ATTESTATION_POLICY; no default"
              + " otherwise).")
  Path attestationPolicy;

  @Option(
      names = {"-v", "--verbose"},
      order = ORDER + 3,
      description =
          "Say how the agent is reached (address, with or without TLS) and add the gRPC status to"
              + " an error.")
  boolean verbose;
}

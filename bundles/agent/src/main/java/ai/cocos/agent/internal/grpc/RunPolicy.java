package ai.cocos.agent.internal.grpc;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.Manifest;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.proto.cvms.ComputationRunReq;
import java.lang.System.Logger.Level;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a run request may start a computation: the manifest it carries must be valid
 * ({@link RunRequests}), signed by the owner if the agent is configured with the owner's key, and
 * either ask for attested TLS or give the agent a TLS certificate, unless plaintext uploads are
 * explicitly allowed. Attested TLS ({@code attested_tls: true}) must not come with a certificate
 * and key: the agent generates its key inside the VM, and a key written in the manifest is known
 * outside it. Whether a TEE provider can serve attested TLS is checked when the endpoint switches
 * ({@link TlsSwitch}): a computation that cannot be served that way fails there, naming why.
 */
final class RunPolicy {
  private static final System.Logger LOG = System.getLogger(RunPolicy.class.getName());

  private final ManifestParser parser;
  private final Optional<PublicKey> owner;
  private final boolean allowPlaintext;

  /**
   * Creates the policy.
   *
   * @param parser validates manifests
   * @param owner the computation owner's key manifests must be signed with, if any
   * @param allowPlaintext whether a manifest without agent certificate is accepted (uploads then
   *     travel unencrypted)
   */
  RunPolicy(ManifestParser parser, Optional<PublicKey> owner, boolean allowPlaintext) {
    this.parser = Objects.requireNonNull(parser, "parser");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.allowPlaintext = allowPlaintext;
  }

  /**
   * Checks a run request.
   *
   * @param req the request
   * @return the manifest to start
   * @throws ManifestException naming why the request is refused
   */
  Manifest accept(ComputationRunReq req) throws ManifestException {
    Manifest m = RunRequests.toManifest(req, parser);
    byte[] signature = req.getOwnerSignature().toByteArray();
    ManifestSignature.check(
        m, signature.length == 0 ? Optional.empty() : Optional.of(signature), owner);
    AgentConfig c = m.agentConfig();
    if (c.attestedTls()) {
      if (c.certPem().isPresent()) {
        throw new ManifestException(
            "agent_config: attested_tls is true and cert_file/key_file are given; with attested"
                + " TLS the agent generates its TLS key inside the VM, and a key written in the"
                + " manifest is known outside it: remove cert_file and key_file");
      }
    } else if (c.certPem().isEmpty()) {
      if (!allowPlaintext) {
        throw new ManifestException(
            "agent_config has no cert_file and key_file, so uploads and results would not be"
                + " encrypted in transit; give the agent a TLS certificate and key, or start the"
                + " agent with AGENT_ALLOW_PLAINTEXT=true");
      }
      LOG.log(
          Level.WARNING,
          "computation {0}: the manifest gives the agent no certificate: uploads are not encrypted"
              + " in transit (allowed by AGENT_ALLOW_PLAINTEXT)",
          m.id());
    }
    if (c.port() != 0) {
      LOG.log(
          Level.INFO,
          "computation {0}: agent_config.port {1} is ignored; the agent keeps listening on its"
              + " configured port (AGENT_GRPC_PORT)",
          m.id(),
          Integer.toString(c.port()));
    }
    return m;
  }

  /**
   * Whether plaintext computations are accepted.
   *
   * @return the setting
   */
  boolean allowPlaintext() {
    return allowPlaintext;
  }
}

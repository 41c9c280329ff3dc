package ai.cocos.agent.internal.grpc;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestProblem;
import ai.cocos.proto.cvms.Algorithm;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.Dataset;
import ai.cocos.proto.cvms.KBSConfig;
import ai.cocos.proto.cvms.Source;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CocosAI's run request ({@code cvms.ComputationRunReq}) as a manifest: the inverse of the
 * manager's conversion, so the manifest the owner signed is rebuilt exactly.
 *
 * <p>Mapping: {@code hash} (32 bytes) → {@link Sha3Hash}; every {@code userKey}
 * (SubjectPublicKeyInfo DER) → {@link PublicKeyPem#of}; dataset {@code filename} and {@code
 * decompress}; {@code algo_type} (empty → {@value ManifestParser#DEFAULT_ALGORITHM_TYPE}) and
 * {@code algo_args}; {@code agent_config} PEM text (an empty field is absent), its {@code port} as
 * decimal text (empty → 0, the agent's configured port) and {@code attested_tls}. {@code log_level}
 * is ignored. Remote resources ({@code source}, {@code kbs}) are refused: this agent accepts direct
 * uploads only.
 *
 * <p>Every problem is reported at once with its path, then {@link ManifestParser#validate} checks
 * the whole (key types and sizes, certificates, the agent key against its certificate, ...).
 */
final class RunRequests {
  private RunRequests() {}

  /**
   * Rebuilds and validates the manifest a run request carries.
   *
   * @param req the run request
   * @param parser the parser that validates it
   * @return the validated manifest (PEM normalised)
   * @throws ManifestException listing every problem
   */
  static Manifest toManifest(ComputationRunReq req, ManifestParser parser)
      throws ManifestException {
    List<ManifestProblem> problems = new ArrayList<>();
    Manifest.idProblem(req.getId()).ifPresent(p -> problems.add(new ManifestProblem("id", p)));

    List<DatasetSpec> datasets = new ArrayList<>();
    for (int i = 0; i < req.getDatasetsCount(); i++) {
      Dataset d = req.getDatasets(i);
      String path = "datasets[" + i + "]";
      remote(problems, path, d.hasSource() ? d.getSource() : null, d.hasKbs() ? d.getKbs() : null);
      Sha3Hash hash = hash(problems, path + ".hash", d.getHash());
      PublicKeyPem key = key(problems, path + ".userKey", d.getUserKey());
      Optional<String> nameProblem = DatasetSpec.filenameProblem(d.getFilename());
      nameProblem.ifPresent(p -> problems.add(new ManifestProblem(path + ".filename", p)));
      if (hash != null && key != null && nameProblem.isEmpty()) {
        datasets.add(new DatasetSpec(hash, key, d.getFilename(), d.getDecompress()));
      }
    }

    AlgorithmSpec algorithm = null;
    if (!req.hasAlgorithm()) {
      problems.add(new ManifestProblem("algorithm", "is missing"));
    } else {
      Algorithm a = req.getAlgorithm();
      remote(
          problems,
          "algorithm",
          a.hasSource() ? a.getSource() : null,
          a.hasKbs() ? a.getKbs() : null);
      Sha3Hash hash = hash(problems, "algorithm.hash", a.getHash());
      PublicKeyPem key = key(problems, "algorithm.userKey", a.getUserKey());
      String type =
          a.getAlgoType().isEmpty() ? ManifestParser.DEFAULT_ALGORITHM_TYPE : a.getAlgoType();
      if (hash != null && key != null) {
        try {
          algorithm = new AlgorithmSpec(hash, key, type, a.getAlgoArgsList());
        } catch (IllegalArgumentException e) {
          problems.add(new ManifestProblem("algorithm", e.getMessage()));
        }
      }
    }

    List<ResultConsumer> consumers = new ArrayList<>();
    for (int i = 0; i < req.getResultConsumersCount(); i++) {
      PublicKeyPem key =
          key(
              problems,
              "result_consumers[" + i + "].userKey",
              req.getResultConsumers(i).getUserKey());
      if (key != null) {
        consumers.add(new ResultConsumer(key));
      }
    }
    if (req.getResultConsumersCount() == 0) {
      problems.add(
          new ManifestProblem("result_consumers", "is empty: nobody could download the results"));
    }

    AgentConfig agentConfig = agentConfig(problems, req);
    if (!problems.isEmpty()) {
      throw new ManifestException(problems);
    }
    Manifest built;
    try {
      built =
          new Manifest(
              req.getId(),
              req.getName(),
              req.getDescription(),
              datasets,
              algorithm,
              consumers,
              agentConfig);
    } catch (IllegalArgumentException e) {
      throw new ManifestException(e.getMessage());
    }
    return parser.validate(built);
  }

  private static AgentConfig agentConfig(List<ManifestProblem> problems, ComputationRunReq req) {
    if (!req.hasAgentConfig()) {
      return AgentConfig.DEFAULTS;
    }
    ai.cocos.proto.cvms.AgentConfig c = req.getAgentConfig();
    int port = 0;
    String text = c.getPort().trim();
    if (!text.isEmpty()) {
      if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) > AgentConfig.MAX_PORT) {
        problems.add(
            new ManifestProblem(
                "agent_config.port",
                "must be a port number 0-"
                    + AgentConfig.MAX_PORT
                    + ", found '"
                    + clip(text)
                    + "'"));
      } else {
        port = Integer.parseInt(text);
      }
    }
    Optional<String> cert = pem(c.getCertFile());
    Optional<String> key = pem(c.getKeyFile());
    if (cert.isPresent() != key.isPresent()) {
      problems.add(
          new ManifestProblem(
              cert.isPresent() ? "agent_config.key_file" : "agent_config.cert_file",
              "is missing: TLS needs both the certificate (cert_file) and its key (key_file)"));
      return AgentConfig.DEFAULTS;
    }
    return new AgentConfig(
        port, cert, key, pem(c.getServerCaFile()), pem(c.getClientCaFile()), c.getAttestedTls());
  }

  private static void remote(
      List<ManifestProblem> problems, String path, Source source, KBSConfig kbs) {
    if (source != null && (!source.getUrl().isEmpty() || source.getEncrypted())) {
      problems.add(
          new ManifestProblem(
              path + ".source",
              "remote or encrypted resources (pull mode) are not supported by this agent;"
                  + " upload it directly"));
    }
    if (kbs != null && kbs.getEnabled()) {
      problems.add(
          new ManifestProblem(
              path + ".kbs", "key broker (KBS) resources are not supported by this agent"));
    }
  }

  private static Sha3Hash hash(List<ManifestProblem> problems, String path, ByteString bytes) {
    if (bytes.size() != Sha3Hash.LENGTH) {
      problems.add(
          new ManifestProblem(
              path, "a SHA3-256 hash has " + Sha3Hash.LENGTH + " bytes, found " + bytes.size()));
      return null;
    }
    return new Sha3Hash(bytes.toByteArray());
  }

  private static PublicKeyPem key(List<ManifestProblem> problems, String path, ByteString der) {
    if (der.isEmpty()) {
      problems.add(new ManifestProblem(path, "is missing (a SubjectPublicKeyInfo DER public key)"));
      return null;
    }
    return PublicKeyPem.of(der.toByteArray());
  }

  private static Optional<String> pem(String text) {
    return text == null || text.isBlank() ? Optional.empty() : Optional.of(text);
  }

  private static String clip(String s) {
    return s.length() > 16 ? s.substring(0, 16) + "…" : s;
  }
}

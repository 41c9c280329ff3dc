package ai.cocos.manifest;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.manifest.internal.JsonText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a manifest as the JSON users write (the schema of {@link ManifestParser}), so that files
 * written here parse back to an equal manifest.
 *
 * <p>Layout: two-space indentation, fields in schema order ({@code id}, {@code name}, {@code
 * description}, {@code datasets}, {@code algorithm}, {@code result_consumers}, {@code
 * agent_config}; inside: {@code hash}, {@code userKey}, {@code filename}, {@code decompress};
 * {@code hash}, {@code userKey}, {@code type}, {@code args}; {@code port}, {@code cert_file},
 * {@code key_file}, {@code server_ca_file}, {@code client_ca_file}, {@code attested_tls}), absent
 * PEM fields left out, a final line end.
 *
 * <p>The output contains {@code agent_config.key_file}, a private key, when the manifest has one:
 * store it as a secret.
 */
public final class ManifestWriter {
  private ManifestWriter() {}

  /**
   * Writes a manifest as pretty JSON.
   *
   * @param manifest the manifest
   * @return the JSON text
   */
  public static String toJson(Manifest manifest) {
    Objects.requireNonNull(manifest, "manifest");
    Map<String, Object> top = new LinkedHashMap<>();
    top.put("id", manifest.id());
    top.put("name", manifest.name());
    top.put("description", manifest.description());
    List<Object> datasets = new ArrayList<>();
    for (DatasetSpec d : manifest.datasets()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("hash", d.hash().hex());
      m.put("userKey", d.userKey().pem());
      m.put("filename", d.filename());
      m.put("decompress", d.decompress());
      datasets.add(m);
    }
    top.put("datasets", datasets);
    AlgorithmSpec a = manifest.algorithm();
    Map<String, Object> algorithm = new LinkedHashMap<>();
    algorithm.put("hash", a.hash().hex());
    algorithm.put("userKey", a.userKey().pem());
    algorithm.put("type", a.type());
    algorithm.put("args", new ArrayList<Object>(a.args()));
    top.put("algorithm", algorithm);
    List<Object> consumers = new ArrayList<>();
    for (ResultConsumer c : manifest.resultConsumers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("userKey", c.userKey().pem());
      consumers.add(m);
    }
    top.put("result_consumers", consumers);
    AgentConfig c = manifest.agentConfig();
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("port", c.port());
    c.certPem().ifPresent(p -> agent.put("cert_file", p));
    c.keyPem().ifPresent(p -> agent.put("key_file", p));
    c.serverCaPem().ifPresent(p -> agent.put("server_ca_file", p));
    c.clientCaPem().ifPresent(p -> agent.put("client_ca_file", p));
    agent.put("attested_tls", c.attestedTls());
    top.put("agent_config", agent);
    return JsonText.pretty(top);
  }
}

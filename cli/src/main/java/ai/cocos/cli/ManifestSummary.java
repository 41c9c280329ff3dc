package ai.cocos.cli;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestSignature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a manifest says, shortly: its id, measurement, algorithm, datasets, agent settings, and each
 * party (a public key) with its fingerprint, key type and roles.
 */
final class ManifestSummary {
  private final Manifest manifest;
  private final String measurement;
  private final List<Party> parties;

  /**
   * One key named in the manifest and what it may do.
   *
   * @param fingerprint {@link PublicKeyPem#fingerprint()}
   * @param type e.g. {@code ECDSA P-256}
   * @param algorithmProvider whether it uploads the algorithm
   * @param datasets the file names of the datasets it uploads
   * @param resultConsumer whether it may download the results
   */
  record Party(
      String fingerprint,
      String type,
      boolean algorithmProvider,
      List<String> datasets,
      boolean resultConsumer) {

    /** The roles in words, e.g. {@code [algorithm provider, data provider (a.csv)]}. */
    List<String> roles() {
      List<String> roles = new ArrayList<>();
      if (algorithmProvider) {
        roles.add("algorithm provider");
      }
      if (!datasets.isEmpty()) {
        roles.add("data provider (" + String.join(", ", datasets) + ")");
      }
      if (resultConsumer) {
        roles.add("result consumer");
      }
      return roles;
    }
  }

  /**
   * Summarises a (valid) manifest.
   *
   * @param manifest the manifest
   */
  ManifestSummary(Manifest manifest) {
    this.manifest = manifest;
    this.measurement = ManifestSignature.digest(manifest).hex();
    Map<PublicKeyPem, Boolean> algorithm = new LinkedHashMap<>();
    Map<PublicKeyPem, List<String>> datasets = new LinkedHashMap<>();
    Map<PublicKeyPem, Boolean> consumers = new LinkedHashMap<>();
    // Order of first appearance: algorithm provider, data providers, consumers.
    List<PublicKeyPem> order = new ArrayList<>();
    order.add(manifest.algorithm().userKey());
    algorithm.put(manifest.algorithm().userKey(), true);
    for (DatasetSpec d : manifest.datasets()) {
      if (!order.contains(d.userKey())) {
        order.add(d.userKey());
      }
      datasets.computeIfAbsent(d.userKey(), k -> new ArrayList<>()).add(d.filename());
    }
    for (ResultConsumer c : manifest.resultConsumers()) {
      if (!order.contains(c.userKey())) {
        order.add(c.userKey());
      }
      consumers.put(c.userKey(), true);
    }
    List<Party> list = new ArrayList<>();
    for (PublicKeyPem key : order) {
      list.add(
          new Party(
              key.fingerprint(),
              keyType(key),
              algorithm.containsKey(key),
              List.copyOf(datasets.getOrDefault(key, List.of())),
              consumers.containsKey(key)));
    }
    this.parties = List.copyOf(list);
  }

  /** The measurement: SHA3-256 of the canonical form, hex. */
  String measurement() {
    return measurement;
  }

  /** The parties, in order of first appearance. */
  List<Party> parties() {
    return parties;
  }

  /**
   * Describes a public key's type.
   *
   * @param key a key from a parsed manifest
   * @return e.g. {@code RSA-4096}, or {@code unknown key type} if it does not parse
   */
  static String keyType(PublicKeyPem key) {
    try {
      return PemKeys.describe(PemKeys.parsePublicKey(key.der()));
    } catch (KeyFormatException e) {
      return "unknown key type";
    }
  }

  /**
   * Prints the summary as aligned lines.
   *
   * @param out where to print
   */
  void print(PrintWriter out) {
    out.println("id:          " + manifest.id());
    if (!manifest.name().isEmpty()) {
      out.println("name:        " + oneLine(manifest.name()));
    }
    out.println("measurement: " + measurement + "  (SHA3-256 of the canonical manifest)");
    out.println(
        "algorithm:   "
            + manifest.algorithm().type()
            + ", SHA3-256 "
            + manifest.algorithm().hash().hex()
            + (manifest.algorithm().args().isEmpty()
                ? ""
                : ", args " + oneLine(String.join(" ", manifest.algorithm().args()))));
    for (DatasetSpec d : manifest.datasets()) {
      out.println(
          "dataset:     "
              + d.filename()
              + ", SHA3-256 "
              + d.hash().hex()
              + (d.decompress() ? ", unpacked by the agent" : ""));
    }
    out.println("agent:       " + agent(manifest.agentConfig()));
    out.println("parties:");
    int width = 0;
    for (Party p : parties) {
      width = Math.max(width, p.type().length());
    }
    for (Party p : parties) {
      out.println(
          "  "
              + p.fingerprint()
              + "  "
              + p.type()
              + " ".repeat(width - p.type().length())
              + "  "
              + String.join(", ", p.roles()));
    }
    out.flush();
  }

  /**
   * The summary as JSON members.
   *
   * @return a map for {@link JsonOut}
   */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", manifest.id());
    m.put("name", manifest.name());
    m.put("measurement", measurement);
    Map<String, Object> algorithm = new LinkedHashMap<>();
    algorithm.put("type", manifest.algorithm().type());
    algorithm.put("hash", manifest.algorithm().hash().hex());
    algorithm.put("args", new ArrayList<Object>(manifest.algorithm().args()));
    algorithm.put("key", manifest.algorithm().userKey().fingerprint());
    m.put("algorithm", algorithm);
    List<Object> datasets = new ArrayList<>();
    for (DatasetSpec d : manifest.datasets()) {
      Map<String, Object> ds = new LinkedHashMap<>();
      ds.put("filename", d.filename());
      ds.put("hash", d.hash().hex());
      ds.put("decompress", d.decompress());
      ds.put("key", d.userKey().fingerprint());
      datasets.add(ds);
    }
    m.put("datasets", datasets);
    List<Object> consumers = new ArrayList<>();
    for (ResultConsumer c : manifest.resultConsumers()) {
      consumers.add(c.userKey().fingerprint());
    }
    m.put("result_consumers", consumers);
    List<Object> list = new ArrayList<>();
    for (Party p : parties) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("fingerprint", p.fingerprint());
      pm.put("type", p.type());
      pm.put("roles", new ArrayList<Object>(p.roles()));
      list.add(pm);
    }
    m.put("parties", list);
    AgentConfig c = manifest.agentConfig();
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("port", c.port());
    agent.put("tls_certificate", c.certPem().isPresent());
    agent.put("server_ca", c.serverCaPem().isPresent());
    agent.put("client_ca", c.clientCaPem().isPresent());
    agent.put("attested_tls", c.attestedTls());
    m.put("agent", agent);
    return m;
  }

  private static String agent(AgentConfig c) {
    List<String> parts = new ArrayList<>();
    parts.add(c.port() == 0 ? "the agent's default port" : "port " + c.port());
    if (c.certPem().isPresent()) {
      parts.add("TLS with the manifest's certificate");
    }
    if (c.attestedTls()) {
      parts.add("attested TLS");
    }
    if (c.certPem().isEmpty() && !c.attestedTls()) {
      parts.add("no TLS");
    }
    if (c.clientCaPem().isPresent()) {
      parts.add("client certificates required");
    }
    if (c.serverCaPem().isPresent()) {
      parts.add("server CA given");
    }
    return String.join(", ", parts);
  }

  /** Keeps a free-text field on one terminal line. */
  private static String oneLine(String s) {
    return s.replaceAll("\\p{Cntrl}", " ");
  }
}

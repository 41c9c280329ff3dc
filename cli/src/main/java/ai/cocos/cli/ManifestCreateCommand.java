package ai.cocos.cli;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.crypto.Sha3;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestProblem;
import ai.cocos.manifest.ManifestWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cocos-cli manifest create}: builds a manifest from the real files and keys, so that no one
 * writes a hash by hand.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    // Written out: picocli would break the dataset form at its comma, and cannot show that
    // --agent-cert and --agent-key go together.
    customSynopsis = {
      "cocos-cli manifest create -o FILE --id ID [--name TEXT]",
      "         [--description TEXT] --algorithm FILE --algorithm-key PUBLIC_KEY.pem",
      "         [--algorithm-type TYPE] [--arg ARG]...",
      "         [--dataset " + DatasetOption.FORM + "]...",
      "         --consumer PUBLIC_KEY.pem [--consumer PUBLIC_KEY.pem]...",
      "         [--agent-port PORT] [--agent-cert CERT.pem --agent-key KEY.pem]",
      "         [--server-ca CA.pem] [--client-ca CA.pem] [--attested-tls]",
      "         [--force] [--json] [-hV]"
    },
    header = "Write a computation manifest from the algorithm, datasets and keys.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Hashes the algorithm and every dataset (SHA3-256, as 'checksum' does), reads every"
          + " public key, checks the result as the agent will, and writes it as JSON. Nobody"
          + " writes a hash by hand.",
      "",
      "Datasets: give --dataset "
          + DatasetOption.FORM
          + " once per dataset. PATH is the"
          + " data exactly as its provider will upload it, PUBLIC_KEY.pem that provider's public"
          + " key; the last '=' separates the two, so the key's path must contain neither '='"
          + " nor ','. A dataset is stored under PATH's base name, which must be unique. A"
          + " directory becomes NAME.zip (its deterministic zip) and is unpacked by the agent;"
          + " add ',decompress' to a zip file to have the agent unpack it too.",
      "",
      "The manifest is not signed here: the computation owner signs it with 'manifest sign'."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  Two hospitals provide data; a lab provides the algorithm and gets the results.",
      "",
      "  cocos-cli manifest create -o manifest.json --id lr-2026-01 \\",
      "      --algorithm lr.py --algorithm-type python --algorithm-key lab/public.pem \\",
      "      --dataset hospital-a.csv=hospital-a/public.pem \\",
      "      --dataset hospital-b-records/=hospital-b/public.pem \\",
      "      --consumer lab/public.pem"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the manifest was written",
      "1:a file or key is missing or unacceptable, the manifest would be invalid, or FILE"
          + " exists (use --force)",
      "2:usage error"
    })
final class ManifestCreateCommand extends LocalCommand {
  private static final Pattern INDEXED = Pattern.compile("^(datasets|result_consumers)\\[(\\d+)]");
  private static final Map<String, String> FIELD_OPTIONS =
      Map.ofEntries(
          Map.entry("id", "--id"),
          Map.entry("name", "--name"),
          Map.entry("description", "--description"),
          Map.entry("algorithm.hash", "--algorithm"),
          Map.entry("algorithm.userKey", "--algorithm-key"),
          Map.entry("algorithm.type", "--algorithm-type"),
          Map.entry("algorithm.args", "--arg"),
          Map.entry("agent_config.port", "--agent-port"),
          Map.entry("agent_config.cert_file", "--agent-cert"),
          Map.entry("agent_config.key_file", "--agent-key"),
          Map.entry("agent_config.server_ca_file", "--server-ca"),
          Map.entry("agent_config.client_ca_file", "--client-ca"),
          Map.entry("agent_config.attested_tls", "--attested-tls"));

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      required = true,
      description = "The manifest file to write (refused if it exists, unless --force).")
  Path output;

  @Option(
      names = "--id",
      paramLabel = "ID",
      required = true,
      description = "The computation id: 1-128 of A-Z a-z 0-9 . _ : - (a UUID fits).")
  String id;

  @Option(
      names = "--name",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "A human-readable name.")
  String name;

  @Option(
      names = "--description",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "A description.")
  String description;

  @Option(
      names = "--algorithm",
      paramLabel = "FILE",
      required = true,
      description = "The algorithm file exactly as its provider will upload it.")
  Path algorithm;

  @Option(
      names = "--algorithm-key",
      paramLabel = "PUBLIC_KEY.pem",
      required = true,
      description = "The algorithm provider's public key: only its owner can upload the algorithm.")
  Path algorithmKey;

  @Option(
      names = "--algorithm-type",
      paramLabel = "TYPE",
      defaultValue = ManifestParser.DEFAULT_ALGORITHM_TYPE,
      description = "bin (the default), python, wasm or docker: how the agent runs it.")
  String algorithmType;

  @Option(
      names = "--arg",
      paramLabel = "ARG",
      description =
          "An argument for the algorithm; repeat in order. Write --arg=-x for one that starts"
              + " with '-'.")
  List<String> args = new ArrayList<>();

  @Option(
      names = "--dataset",
      paramLabel = DatasetOption.FORM,
      converter = DatasetOption.Converter.class,
      description = "A dataset and its provider's public key; repeat for each (see above).")
  List<DatasetOption> datasets = new ArrayList<>();

  @Option(
      names = "--consumer",
      paramLabel = "PUBLIC_KEY.pem",
      required = true,
      description =
          "A result consumer's public key; repeat for each. Only they can download the results.")
  List<Path> consumers = new ArrayList<>();

  @Option(
      names = "--agent-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description =
          "The port the agent serves this computation on (default 0: its configured one).")
  int agentPort;

  @Option(
      names = "--agent-cert",
      paramLabel = "CERT.pem",
      description = "The agent's TLS certificate chain, leaf first; needs --agent-key.")
  Path agentCert;

  @Option(
      names = "--agent-key",
      paramLabel = "KEY.pem",
      description =
          "The private key of --agent-cert. It is copied into the manifest, which is then"
              + " written with mode 0600: keep that file secret.")
  Path agentKey;

  @Option(
      names = "--server-ca",
      paramLabel = "CA.pem",
      description = "CA certificates for the agent's own outgoing TLS connections.")
  Path serverCa;

  @Option(
      names = "--client-ca",
      paramLabel = "CA.pem",
      description =
          "CA certificates that clients' certificates must chain to (mutual TLS); needs"
              + " --agent-cert or --attested-tls.")
  Path clientCa;

  @Option(
      names = "--attested-tls",
      description = "The agent serves attested TLS (its certificate carries attestation evidence).")
  boolean attestedTls;

  @Option(names = "--force", description = "Replace FILE if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print the summary as one JSON object.")
  boolean json;

  /** A dataset's file or directory, checked, with the name it is stored under. */
  private record Source(DatasetOption option, boolean directory, String filename) {}

  @Override
  int run() throws Failure {
    if ((agentCert == null) != (agentKey == null)) {
      throw usage(
          "--agent-cert and --agent-key go together: TLS needs the certificate and its key");
    }
    if (agentPort < 0 || agentPort > AgentConfig.MAX_PORT) {
      throw usage(
          "--agent-port must be 1-" + AgentConfig.MAX_PORT + ", or 0 for the agent's own port");
    }
    Optional<String> idProblem = Manifest.idProblem(id);
    if (idProblem.isPresent()) {
      throw new Failure("--id '" + id + "': " + idProblem.get());
    }
    if (!force && Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
      throw new Failure(
          output + " already exists: choose another path with -o, or give --force to replace it");
    }

    // Everything cheap first (keys, file checks), so that a mistake shows before any hashing.
    PublicKeyPem algorithmOwner =
        publicKey(LocalFiles.readPublicKey(algorithmKey, "--algorithm-key " + algorithmKey));
    LocalFiles.requireRegularFile(algorithm, "--algorithm " + algorithm);
    List<PublicKeyPem> datasetOwners = new ArrayList<>();
    List<Source> sources = new ArrayList<>();
    Map<String, DatasetOption> byName = new HashMap<>();
    for (DatasetOption d : datasets) {
      String what = "--dataset " + d.text();
      datasetOwners.add(publicKey(LocalFiles.readPublicKey(d.key(), what + ": key " + d.key())));
      Source s = source(d, what);
      DatasetOption earlier = byName.putIfAbsent(s.filename(), d);
      if (earlier != null) {
        throw new Failure(
            what
                + ": stored as '"
                + s.filename()
                + "', like --dataset "
                + earlier.text()
                + "; each dataset needs its own file name, so rename one of them");
      }
      sources.add(s);
    }
    List<ResultConsumer> resultConsumers = new ArrayList<>();
    Map<PublicKeyPem, Path> consumerFiles = new HashMap<>();
    for (Path c : consumers) {
      PublicKeyPem key = publicKey(LocalFiles.readPublicKey(c, "--consumer " + c));
      Path earlier = consumerFiles.putIfAbsent(key, c);
      if (earlier != null) {
        throw new Failure(
            "--consumer " + c + ": the same key as --consumer " + earlier + "; name each once");
      }
      resultConsumers.add(new ResultConsumer(key));
    }
    AgentConfig agent =
        new AgentConfig(
            agentPort,
            pem(agentCert, "--agent-cert"),
            pem(agentKey, "--agent-key"),
            pem(serverCa, "--server-ca"),
            pem(clientCa, "--client-ca"),
            attestedTls);

    Sha3Hash algorithmHash = new Sha3Hash(hashFile(algorithm, "--algorithm " + algorithm));
    List<DatasetSpec> datasetSpecs = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      String what = "--dataset " + s.option().text();
      byte[] digest =
          s.directory()
              ? hashDirectory(s.option().data(), what)
              : hashFile(s.option().data(), what);
      datasetSpecs.add(
          new DatasetSpec(
              new Sha3Hash(digest),
              datasetOwners.get(i),
              s.filename(),
              s.directory() || s.option().decompress()));
    }

    Manifest manifest;
    try {
      manifest =
          new ManifestParser()
              .validate(
                  new Manifest(
                      id,
                      name,
                      description,
                      datasetSpecs,
                      new AlgorithmSpec(algorithmHash, algorithmOwner, algorithmType, args),
                      resultConsumers,
                      agent));
    } catch (ManifestException e) {
      throw new Failure(problems(e.problems()));
    } catch (IllegalArgumentException e) {
      // The records' own checks; the ones above should have caught every case.
      throw new Failure("the manifest would be invalid: " + e.getMessage());
    }

    boolean secret = manifest.agentConfig().keyPem().isPresent();
    LocalFiles.write(
        output, ManifestWriter.toJson(manifest).getBytes(StandardCharsets.UTF_8), secret, force);

    ManifestSummary summary = new ManifestSummary(manifest);
    PrintWriter out = out();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("manifest", output.toAbsolutePath().normalize().toString());
      result.put("holds_private_key", secret);
      result.putAll(summary.toJson());
      JsonOut.print(out, result);
      return 0;
    }
    out.println(
        "Wrote "
            + output
            + (secret
                ? " (mode 0600: it holds the agent's private TLS key, keep it secret)."
                : "."));
    summary.print(out);
    out.println(
        "Next: the computation owner signs it: cocos-cli manifest sign "
            + output
            + " --key OWNER_PRIVATE.pem");
    out.flush();
    return 0;
  }

  private Source source(DatasetOption d, String what) throws Failure {
    Path data = d.data();
    boolean directory = Files.isDirectory(data);
    if (!directory) {
      LocalFiles.requireRegularFile(data, what + ": " + data);
    }
    Path base = data.toAbsolutePath().normalize().getFileName();
    if (base == null) {
      throw new Failure(what + ": " + data + " has no name to store the dataset under");
    }
    String filename = base.toString() + (directory ? ".zip" : "");
    Optional<String> problem = DatasetSpec.filenameProblem(filename);
    if (problem.isPresent()) {
      throw new Failure(what + ": the file name " + problem.get());
    }
    if (!directory && d.decompress() && !isZip(data, what)) {
      throw new Failure(
          what
              + ": "
              + data
              + " is not a zip file, so the agent could not unpack it; drop ',"
              + DatasetOption.DECOMPRESS
              + "' or give the zip");
    }
    return new Source(d, directory, filename);
  }

  private static boolean isZip(Path file, String what) throws Failure {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      // A local file header, or the end record of an empty zip.
      return Arrays.equals(magic, new byte[] {'P', 'K', 3, 4})
          || Arrays.equals(magic, new byte[] {'P', 'K', 5, 6});
    } catch (IOException e) {
      throw new Failure(what + ": cannot read " + file + ": " + LocalFiles.problem(e, file));
    }
  }

  private static PublicKeyPem publicKey(PublicKey key) {
    return PublicKeyPem.of(key.getEncoded());
  }

  private static Optional<String> pem(Path file, String option) throws Failure {
    if (file == null) {
      return Optional.empty();
    }
    return Optional.of(LocalFiles.readText(file, option + " " + file, LocalFiles.MAX_PEM_BYTES));
  }

  private static byte[] hashFile(Path file, String what) throws Failure {
    try {
      return Sha3.of(file);
    } catch (IOException e) {
      throw new Failure(what + ": cannot read " + file + ": " + LocalFiles.problem(e, file));
    }
  }

  private static byte[] hashDirectory(Path dir, String what) throws Failure {
    try {
      return DeterministicZip.hashOf(dir);
    } catch (IOException e) {
      throw new Failure(what + ": cannot zip " + dir + ": " + LocalFiles.problem(e, dir));
    }
  }

  /** The parser's problems, each named by the option that caused it where one did. */
  private String problems(List<ManifestProblem> problems) {
    StringBuilder b = new StringBuilder("the manifest would be invalid:");
    for (ManifestProblem p : problems) {
      b.append(System.lineSeparator()).append("  ").append(optionText(p));
    }
    return b.toString();
  }

  private String optionText(ManifestProblem p) {
    String path = p.path();
    Matcher m = INDEXED.matcher(path);
    if (m.find()) {
      int i = Integer.parseInt(m.group(2));
      if (m.group(1).equals("datasets") && i < datasets.size()) {
        return "--dataset " + datasets.get(i).text() + ": " + p.detail();
      }
      if (m.group(1).equals("result_consumers") && i < consumers.size()) {
        return "--consumer " + consumers.get(i) + ": " + p.detail();
      }
      return p.text();
    }
    String field = path.replaceFirst("\\[\\d+]$", "");
    String option = FIELD_OPTIONS.get(field);
    return option == null ? p.text() : option + ": " + p.detail();
  }
}

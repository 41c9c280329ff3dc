package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import ai.cocos.manifest.ManifestWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code manifest create} and {@code manifest validate} on a three-party computation: two hospitals
 * provide data (separate keys, one a file, one a directory), a lab provides the algorithm and is
 * the result consumer.
 */
class ManifestCommandTest {
  @TempDir Path dir;

  private TestKeys.Party hospitalA;
  private TestKeys.Party hospitalB;
  private TestKeys.Party lab;
  private Path algorithm;
  private Path datasetA;
  private Path datasetB;

  @BeforeEach
  void files() throws IOException {
    hospitalA = TestKeys.party(dir.resolve("hospital-a"), KeyType.ECDSA);
    hospitalB = TestKeys.party(dir.resolve("hospital-b"), KeyType.ED25519);
    lab = TestKeys.party(dir.resolve("lab"), KeyType.ECDSA);
    algorithm = Files.writeString(dir.resolve("lr.py"), "print('linear regression')\n");
    datasetA = Files.writeString(dir.resolve("hospital-a.csv"), "age,bp\n40,120\n");
    datasetB = Files.createDirectories(dir.resolve("hospital-b-records"));
    Files.writeString(datasetB.resolve("2024.csv"), "age,bp\n50,130\n");
    Files.createDirectories(datasetB.resolve("old"));
    Files.writeString(datasetB.resolve("old/2023.csv"), "age,bp\n60,140\n");
  }

  /** The create command line of the three-party computation, to which tests add options. */
  private List<String> create(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "manifest",
                "create",
                "-o",
                dir.resolve("manifest.json").toString(),
                "--id",
                "lr-2026-01",
                "--name",
                "Linear regression over two hospitals",
                "--algorithm",
                algorithm.toString(),
                "--algorithm-type",
                "python",
                "--algorithm-key",
                lab.publicFile().toString(),
                "--arg",
                "--epochs",
                "--arg=-5",
                "--dataset",
                datasetA + "=" + hospitalA.publicFile(),
                "--dataset",
                datasetB + "/=" + hospitalB.publicFile(),
                "--consumer",
                lab.publicFile().toString()));
    args.addAll(List.of(extra));
    return args;
  }

  /** The create command line with one single-valued option's value replaced. */
  private List<String> createWith(String option, String value) {
    List<String> args = create();
    args.set(args.indexOf(option) + 1, value);
    return args;
  }

  private static Run run(List<String> args) {
    return Run.of(args.toArray(String[]::new));
  }

  @Test
  void createsAThreePartyManifestThatParsesBack() throws Exception {
    Run run = run(create());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("", run.err());
    Path file = dir.resolve("manifest.json");
    Manifest m = new ManifestParser().parse(Files.readAllBytes(file));

    assertEquals("lr-2026-01", m.id());
    assertEquals("Linear regression over two hospitals", m.name());
    assertEquals("python", m.algorithm().type());
    assertEquals(List.of("--epochs", "-5"), m.algorithm().args());
    assertEquals(hex(Sha3.of(algorithm)), m.algorithm().hash().hex());
    assertEquals(key(lab), m.algorithm().userKey());

    assertEquals(2, m.datasets().size());
    DatasetSpec a = m.datasets().get(0);
    assertEquals("hospital-a.csv", a.filename());
    assertEquals(hex(Sha3.of(datasetA)), a.hash().hex());
    assertEquals(key(hospitalA), a.userKey());
    assertFalse(a.decompress());
    DatasetSpec b = m.datasets().get(1);
    assertEquals("hospital-b-records.zip", b.filename());
    assertEquals(hex(DeterministicZip.hashOf(datasetB)), b.hash().hex());
    assertEquals(key(hospitalB), b.userKey());
    assertTrue(b.decompress(), "a directory is unpacked by the agent");

    assertEquals(List.of(new ResultConsumer(key(lab))), m.resultConsumers());
    // Written exactly as ManifestWriter writes the parsed manifest: a fixed point.
    assertEquals(ManifestWriter.toJson(m), Files.readString(file));

    // The summary names the measurement and each party's fingerprint and roles.
    assertTrue(run.out().startsWith("Wrote " + file + ".\n"), run::toString);
    assertTrue(
        run.out().contains("measurement: " + ManifestSignature.digest(m).hex()), run::toString);
    assertTrue(
        run.out()
            .contains(
                "  " + lab.fingerprint() + "  ECDSA P-256  algorithm provider, result consumer"),
        run::toString);
    assertTrue(
        run.out()
            .contains(
                "  " + hospitalA.fingerprint() + "  ECDSA P-256  data provider (hospital-a.csv)"),
        run::toString);
    assertTrue(
        run.out()
            .contains(
                "  "
                    + hospitalB.fingerprint()
                    + "  Ed25519      data provider (hospital-b-records.zip)"),
        run::toString);
    assertFalse(
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file)).equals("rw-------"),
        "no secret in it, so no need to hide it");

    Run validate = Run.of("manifest", "validate", file.toString());
    assertEquals(0, validate.exitCode(), validate::toString);
    assertTrue(validate.out().startsWith(file + " is a valid manifest.\n"), validate::toString);
    assertTrue(
        validate.out().contains("measurement: " + ManifestSignature.digest(m).hex()),
        validate::toString);
  }

  @Test
  void createPrintsJsonForScripts() throws Exception {
    Run run = run(create("--json"));

    assertEquals(0, run.exitCode(), run::toString);
    Manifest m = new ManifestParser().parse(Files.readAllBytes(dir.resolve("manifest.json")));
    String out = run.out();
    assertTrue(
        out.startsWith(
            "{\"manifest\":\""
                + dir.resolve("manifest.json")
                + "\",\"holds_private_key\":false,\"id\":\"lr-2026-01\""),
        out);
    assertTrue(out.contains("\"measurement\":\"" + ManifestSignature.digest(m).hex() + "\""), out);
    assertTrue(
        out.contains(
            "{\"fingerprint\":\""
                + lab.fingerprint()
                + "\",\"type\":\"ECDSA P-256\",\"roles\":[\"algorithm provider\",\"result"
                + " consumer\"]}"),
        out);
    assertEquals(1, out.strip().lines().count());
  }

  @Test
  void aZipFileWithDecompressIsMarkedAndANonZipIsRefused() throws Exception {
    Path zip = dir.resolve("bundle.zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry("x.csv"));
      out.write("1\n".getBytes());
    }
    Run ok = run(create("--dataset", zip + "=" + hospitalA.publicFile() + ",decompress"));
    assertEquals(0, ok.exitCode(), ok::toString);
    Manifest m = new ManifestParser().parse(Files.readAllBytes(dir.resolve("manifest.json")));
    assertEquals("bundle.zip", m.datasets().get(2).filename());
    assertTrue(m.datasets().get(2).decompress());

    Run bad =
        run(
            create(
                "--force", "--dataset", algorithm + "=" + hospitalA.publicFile() + ",decompress"));
    assertEquals(1, bad.exitCode(), bad::toString);
    assertTrue(
        bad.err().contains(algorithm + " is not a zip file, so the agent could not unpack it"),
        bad::toString);
  }

  @Test
  void agentTlsMaterialMakesTheManifestSecret() throws Exception {
    KeyPair caKey = PemKeys.generate(KeyType.ECDSA);
    X509Certificate ca = Certificates.selfSignedCa("Test CA", caKey, Duration.ofDays(1));
    KeyPair agentKey = PemKeys.generate(KeyType.ECDSA);
    X509Certificate agent =
        Certificates.issue(
            ca,
            caKey.getPrivate(),
            "agent.test",
            agentKey.getPublic(),
            List.of("agent.test"),
            List.of(),
            Duration.ofDays(1));
    Path cert = Files.writeString(dir.resolve("agent.crt"), Certificates.toPem(agent));
    Path key = Files.writeString(dir.resolve("agent.key"), PemKeys.toPem(agentKey.getPrivate()));
    Path caFile = Files.writeString(dir.resolve("ca.crt"), Certificates.toPem(ca));

    Run run =
        run(
            create(
                "--agent-port",
                "7002",
                "--agent-cert",
                cert.toString(),
                "--agent-key",
                key.toString(),
                "--client-ca",
                caFile.toString()));

    assertEquals(0, run.exitCode(), run::toString);
    Path file = dir.resolve("manifest.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(
        run.out().contains("mode 0600: it holds the agent's private TLS key"), run::toString);
    assertTrue(run.out().contains("port 7002, TLS with the manifest's certificate"), run::toString);
    assertFalse(run.out().contains("PRIVATE KEY"), "never prints key material");
    Manifest m = new ManifestParser().parse(Files.readAllBytes(file));
    assertEquals(7002, m.agentConfig().port());
    assertTrue(m.agentConfig().keyPem().isPresent());
  }

  @Test
  void agentKeyThatIsNotTheCertificatesFailsNamingTheOption() throws Exception {
    KeyPair caKey = PemKeys.generate(KeyType.ECDSA);
    X509Certificate ca = Certificates.selfSignedCa("Test CA", caKey, Duration.ofDays(1));
    Path cert = Files.writeString(dir.resolve("ca.crt"), Certificates.toPem(ca));

    Run run =
        run(create("--agent-cert", cert.toString(), "--agent-key", lab.privateFile().toString()));

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "the manifest would be invalid:\n"
            + "  --agent-key: is not the private key of the first certificate in cert_file",
        run.err().strip());
    assertFalse(Files.exists(dir.resolve("manifest.json")));
  }

  @Test
  void agentCertWithoutKeyIsAUsageError() {
    Run run = run(create("--agent-cert", algorithm.toString()));

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("--agent-cert and --agent-key go together"), run::toString);
  }

  // ---- bad inputs: exit 1, a message naming the option and the problem, no file written ----

  private void assertFails(Run run, String expectedMessage) {
    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(expectedMessage, run.err().strip(), run::toString);
    assertEquals("", run.out());
    assertFalse(Files.exists(dir.resolve("manifest.json")), "nothing written");
  }

  @Test
  void missingKeyFile() {
    Path missing = dir.resolve("nobody/public.pem");

    assertFails(
        run(create("--consumer", missing.toString())), "--consumer " + missing + ": no such file");
  }

  @Test
  void missingDataset() {
    Path missing = dir.resolve("hospital-c.csv");
    String option = missing + "=" + hospitalA.publicFile();

    assertFails(
        run(create("--dataset", option)),
        "--dataset " + option + ": " + missing + ": no such file");
  }

  @Test
  void missingAlgorithm() throws IOException {
    Files.delete(algorithm);

    assertFails(run(create()), "--algorithm " + algorithm + ": no such file");
  }

  @Test
  void rsa1024KeyFromOpensslIsRefused() throws Exception {
    TestKeys.Result gen =
        TestKeys.openssl(
            dir,
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "rsa1024.pem");
    assertEquals(0, gen.exitCode(), gen.output());
    TestKeys.Result pub =
        TestKeys.openssl(dir, "pkey", "-in", "rsa1024.pem", "-pubout", "-out", "rsa1024.pub");
    assertEquals(0, pub.exitCode(), pub.output());
    Path key = dir.resolve("rsa1024.pub");

    assertFails(
        run(create("--consumer", key.toString())),
        "--consumer " + key + ": RSA-1024 is too small: RSA keys need at least 2048 bits");
  }

  @Test
  void unsupportedKeyTypeIsRefused() throws Exception {
    TestKeys.Result gen =
        TestKeys.openssl(dir, "genpkey", "-algorithm", "ED448", "-out", "ed448.pem");
    assertEquals(0, gen.exitCode(), gen.output());
    TestKeys.openssl(dir, "pkey", "-in", "ed448.pem", "-pubout", "-out", "ed448.pub");
    Path key = dir.resolve("ed448.pub");

    Run run = run(createWith("--algorithm-key", key.toString()));

    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(
        run.err().startsWith("--algorithm-key " + key + ": Ed448 keys are not accepted"),
        run::toString);
  }

  @Test
  void unreadableKeyFileIsRefused() throws Exception {
    Path key = Files.writeString(dir.resolve("garbage.pem"), "not a key\n");

    assertFails(
        run(createWith("--algorithm-key", key.toString())),
        "--algorithm-key " + key + ": not PEM: no -----BEGIN ...----- block in the public key");
  }

  @Test
  void aPrivateKeyWhereAPublicKeyBelongsIsRefused() {
    Path key = hospitalA.privateFile();
    String option = datasetA + "=" + key;

    Run run = run(create("--dataset", option));

    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(
        run.err()
            .startsWith(
                "--dataset "
                    + option
                    + ": key "
                    + key
                    + ": expected a PEM public key (PUBLIC KEY or RSA PUBLIC KEY), found a"
                    + " private key"),
        run::toString);
  }

  @Test
  void duplicateDatasetNames() throws IOException {
    Path other = Files.createDirectories(dir.resolve("copy")).resolve("hospital-a.csv");
    Files.writeString(other, "other rows");
    String first = datasetA + "=" + hospitalA.publicFile();
    String second = other + "=" + hospitalB.publicFile();

    List<String> args = create();
    args.addAll(List.of("--dataset", second));

    assertFails(
        run(args),
        "--dataset "
            + second
            + ": stored as 'hospital-a.csv', like --dataset "
            + first
            + "; each dataset needs its own file name, so rename one of them");
  }

  @Test
  void wrongAlgorithmType() {
    assertFails(
        run(createWith("--algorithm-type", "java")),
        "the manifest would be invalid:\n"
            + "  --algorithm-type: 'java' is not an algorithm type this agent runs: use one of"
            + " bin, docker, python, wasm");
  }

  @Test
  void badId() {
    assertFails(
        run(createWith("--id", "lr 2026")),
        "--id 'lr 2026': may hold only letters, digits, '.', '_', ':' and '-', found ' ' at"
            + " character 3");
  }

  @Test
  void theSameConsumerTwice() {
    Path key = lab.publicFile();

    assertFails(
        run(create("--consumer", key.toString())),
        "--consumer " + key + ": the same key as --consumer " + key + "; name each once");
  }

  @Test
  void anExistingOutputIsKeptUnlessForced() throws Exception {
    Path file = Files.writeString(dir.resolve("manifest.json"), "{}");

    Run run = run(create());
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith(file + " already exists"), run::toString);
    assertEquals("{}", Files.readString(file));

    Run forced = run(create("--force"));
    assertEquals(0, forced.exitCode(), forced::toString);
    new ManifestParser().parse(Files.readAllBytes(file));
  }

  @Test
  void aDatasetWithoutAKeyIsAUsageError() {
    Run run = run(create("--dataset", datasetA.toString()));

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(
        run.err().contains("names no key: expected PATH=PUBLIC_KEY.pem[,decompress]"),
        run::toString);
  }

  @Test
  void anUnknownDatasetFlagIsAUsageError() {
    Run run = run(create("--dataset", datasetA + "=" + hospitalA.publicFile() + ",unzip"));

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("unknown flag 'unzip' after the key"), run::toString);
  }

  // ---- validate ----

  @Test
  void validateListsEveryProblemWithItsPath() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.json"),
            "{\"id\": \"x\", \"algorithm\": {\"hash\": \"ABC\", \"userKey\": \"nope\"},"
                + " \"result_consumers\": [], \"colour\": 1}");

    Run run = Run.of("manifest", "validate", file.toString());

    assertEquals(1, run.exitCode(), run::toString);
    String err = run.err();
    assertTrue(err.startsWith(file + " is not a valid manifest (4 problems):"), err);
    assertTrue(err.contains("\n  unknown field 'colour' at top level"), err);
    assertTrue(err.contains("\n  algorithm.hash: expected 64 lower-case hex digits"), err);
    assertTrue(err.contains("\n  algorithm.userKey: "), err);
    assertTrue(err.contains("\n  result_consumers: must name at least one consumer"), err);
    assertEquals("", run.out());
  }

  @Test
  void validateJsonListsProblemsOnStandardOutput() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.json"), "{\"id\": \"x\"}");

    Run run = Run.of("manifest", "validate", "--json", file.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(
        "{\"file\":\""
            + file
            + "\",\"valid\":false,\"problems\":["
            + "{\"path\":\"algorithm\",\"detail\":\"required field is missing\"},"
            + "{\"path\":\"result_consumers\",\"detail\":\"required field is missing\"}]}",
        run.out().strip());
  }

  @Test
  void validateJsonSummarisesAValidManifest() throws Exception {
    Path file = smallManifest(dir);

    Run run = Run.of("manifest", "validate", "--json", file.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().startsWith("{\"file\":\"" + file + "\",\"valid\":true,\"id\":\"small\""));
  }

  @Test
  void validateOfSyntaxErrorsAndMissingFiles() throws Exception {
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"id\": ");
    Run run = Run.of("manifest", "validate", broken.toString());
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(
        run.err().startsWith(broken + " is not a valid manifest (1 problem):"), run::toString);

    Path missing = dir.resolve("missing.json");
    Run none = Run.of("manifest", "validate", missing.toString());
    assertEquals(1, none.exitCode(), none::toString);
    assertEquals(missing + ": no such file", none.err().strip());
  }

  @Test
  void manifestWithoutSubcommandIsAUsageError() {
    Run run = Run.of("manifest");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("Missing required subcommand"), run::toString);
  }

  /** Writes a valid one-party manifest (the algorithm provider is the consumer) into a folder. */
  static Path smallManifest(Path dir) throws IOException {
    TestKeys.Party party = TestKeys.party(dir.resolve("small-party"), KeyType.ED25519);
    Path algorithm = Files.writeString(dir.resolve("small.bin"), "binary");
    Path file = dir.resolve("small.json");
    Run run =
        Run.of(
            "manifest",
            "create",
            "-o",
            file.toString(),
            "--id",
            "small",
            "--algorithm",
            algorithm.toString(),
            "--algorithm-key",
            party.publicFile().toString(),
            "--consumer",
            party.publicFile().toString());
    if (run.exitCode() != 0) {
      throw new IllegalStateException(run.toString());
    }
    return file;
  }

  private static PublicKeyPem key(TestKeys.Party p) {
    return PublicKeyPem.of(p.pair().getPublic().getEncoded());
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}

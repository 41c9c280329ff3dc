package ai.cocos.tee.vtpm.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import ai.cocos.tee.vtpm.AzureVtpmProvider;
import ai.cocos.tee.vtpm.VtpmEvidence;
import ai.cocos.tee.vtpm.VtpmProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * vTPM verification throughput (operations per second, one thread), warm: the AK certificate chain
 * and the PCR document were verified/decoded once before (cached by exact bytes), the quote
 * signatures are checked every time.
 *
 * <ul>
 *   <li>{@code quote}: GCE evidence, one SHA-256 quote (RSASSA-2048) with its AK certificate
 *       chained to Google's pinned root, 24 PCRs, policy with PCRs, nonce and AK root;
 *   <li>{@code gceThreeBanks}: the whole go-tpm-tools attestation: three quotes (three RSA-2048
 *       verifications) and the 44-event log replayed in three banks;
 *   <li>{@code azureSnp}: Azure Milan evidence: HCL binding, the vTPM quote (RSA-2048) and the SNP
 *       report through the real SEV-SNP provider (ECDSA P-384, VCEK chain cached);
 *   <li>{@code rsa2048Jdk}: one RSASSA-PKCS1-v1_5/SHA-256 verification with the JDK, the primitive
 *       a quote verification cannot beat.
 * </ul>
 *
 * <p>Run by {@code bench/attestation-vtpm.sh}, not by the unit tests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VtpmVerifyBench {
  static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");

  private VtpmProvider vtpm;
  private VerificationRequest quote;
  private VerificationRequest threeBanks;
  private AzureVtpmProvider azure;
  private VerificationRequest azureRequest;
  private PublicKey akKey;
  private byte[] attest;
  private byte[] rsaSignature;

  static Path vectors() {
    String env = System.getenv("COCOS_ATTESTATION_VECTORS");
    return Path.of(env != null ? env : "/work/shared/attestation-vectors");
  }

  static byte[] read(String rel) throws Exception {
    return Files.readAllBytes(vectors().resolve(rel));
  }

  /**
   * Loads the vectors and verifies each case once (warming the caches, checking it passes).
   *
   * @throws Exception if a vector is missing or does not verify
   */
  @Setup
  public void setup() throws Exception {
    String x = "tpm/gce-cos85-vtpm/extracted/";
    Map<String, byte[]> a = new HashMap<>();
    a.put("signature", read(x + "quote-sha256-bank.tpmt_signature.bin"));
    a.put("ak_pub", read(x + "ak_pub.tpmt_public.bin"));
    a.put("ak_cert", read(x + "ak_cert.der"));
    a.put("pcrs", read(x + "pcrs.json"));
    attest = read(x + "quote-sha256-bank.tpms_attest.bin");
    Policy gce =
        PolicyDocument.parse(
            "{\"platform\": \"vtpm\", \"vtpm\": {\"pcrs\": {\"sha256\": {\"0\":"
                + " [\"0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf\"]}},"
                + " \"nonce\": \"9009\", \"ak_roots\":"
                + " [\"9bd5285f8fb18502a7947e621ffd470266f49fcd3b73e19a190f690ad32a7caf\"]}}");
    vtpm = new VtpmProvider();
    quote = new VerificationRequest(new Evidence("vtpm", attest, a), gce, AT, true);
    threeBanks =
        new VerificationRequest(
            VtpmEvidence.fromGoTpmTools(
                read("tpm/gce-cos85-vtpm/attestation-nonce9009.pb"), new byte[0]),
            gce,
            AT,
            true);
    List<X509Certificate> chain = Certs.read(read("tpm/azure-snp-vtpm-milan/vcek-ask-ark.pem"));
    Evidence az =
        VtpmEvidence.azure(
            "azure-snp-vtpm",
            read("tpm/azure-snp-vtpm-milan/hcl-report.bin"),
            read("tpm/azure-snp-vtpm-milan/tpm-quote.json"),
            Map.of(
                "snp.vcek",
                Certs.der(chain.get(0)),
                "snp.cert_chain",
                Certs.toPem(chain.subList(1, 3)).getBytes(StandardCharsets.US_ASCII)));
    Policy azPolicy =
        PolicyDocument.parse(
            "{\"platform\": \"azure-snp-vtpm\", \"vtpm\": {\"nonce\": \"6368616c6c656e6765\","
                + " \"pcrs\": {\"sha256\": {\"0\":"
                + " [\"f3a7e99a5f819a034386bce753a48a73cfdaa0bea0ecfc124bedbf5a8c4799be\"]}}},"
                + " \"snp\": {\"measurements\":"
                + " [\"9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315\"],"
                + " \"check_crl\": false}}");
    Path cache = Files.createTempDirectory("vtpm-bench-cache");
    azure =
        AzureVtpmProvider.of(
            "azure-snp-vtpm",
            List.of(new SnpProvider(SnpSettings.defaults().withCollateralCache(cache))));
    azureRequest = new VerificationRequest(az, azPolicy, AT, true);
    akKey = Certs.readOne(read(x + "ak_cert.der")).getPublicKey();
    byte[] tpmt = read(x + "quote-sha256-bank.tpmt_signature.bin");
    rsaSignature = Arrays.copyOfRange(tpmt, 6, tpmt.length);
    for (VerificationRequest r : List.of(quote, threeBanks)) {
      check(vtpm.verify(r));
    }
    check(azure.verify(azureRequest));
  }

  private static void check(Verdict v) {
    if (!v.passed()) {
      throw new IllegalStateException("benchmark evidence does not verify: " + v.failures());
    }
  }

  /**
   * One GCE quote.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict quote() {
    return vtpm.verify(quote);
  }

  /**
   * The three-bank GCE attestation with its event log.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict gceThreeBanks() {
    return vtpm.verify(threeBanks);
  }

  /**
   * Azure SEV-SNP: binding, vTPM quote, SNP report.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict azureSnp() {
    return azure.verify(azureRequest);
  }

  /**
   * The primitive: one RSA-2048 PKCS#1 v1.5 verification with the JDK.
   *
   * @return whether it verified
   * @throws Exception never for the vector
   */
  @Benchmark
  public boolean rsa2048Jdk() throws Exception {
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initVerify(akKey);
    s.update(attest);
    return s.verify(rsaSignature);
  }
}

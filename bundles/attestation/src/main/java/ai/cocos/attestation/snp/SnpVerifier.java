package ai.cocos.attestation.snp;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.Ecdsa;
import ai.cocos.attestation.Evaluation;
import ai.cocos.attestation.PolicyRules;
import ai.cocos.attestation.PolicySchema;
import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralException;
import ai.cocos.attestation.collateral.CollateralItem;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Verifies SEV-SNP attestation reports: the format, the report signature (ECDSA P-384) under the
 * VCEK or VLEK, the chain VCEK/VLEK → ASK/ASVK → ARK (RSASSA-PSS) at the verification time, the
 * VCEK's hwID against CHIP_ID, the VCEK's TCB against REPORTED_TCB in the product's layout, the
 * product's CRL, and then the policy's {@code snp} section. Every check is one finding.
 *
 * <p>Shared by the {@code sev-snp} provider ({@link #amd}: AMD's shipped roots), the {@code
 * emulated} provider ({@link #emulated}: only a root attached to the evidence whose SHA-256 the
 * policy pins) and the vTPM provider's Azure form, which verifies the SNP report embedded in its
 * evidence with {@link #verifyReport}.
 *
 * <h2>Evidence attachments</h2>
 *
 * <table>
 *   <caption>attachment names</caption>
 *   <tr><td>{@code vcek}, {@code vlek}</td><td>the signing certificate, DER or PEM</td></tr>
 *   <tr><td>{@code ask}, {@code asvk}, {@code ark}, {@code cert_chain}</td>
 *       <td>intermediates and root (DER or PEM; {@code cert_chain} is KDS's PEM bundle)</td></tr>
 *   <tr><td>{@code certs}</td><td>the extended report's certificate table (configfs-tsm
 *       {@code auxblob}, SNP_GET_EXT_REPORT), see {@link CertTable}</td></tr>
 *   <tr><td>{@code crl}</td><td>the product's CRL, DER or PEM</td></tr>
 *   <tr><td>{@code product}</td><td>{@code Milan}, {@code Genoa} or {@code Turin}: a hint for v2
 *       reports, which carry no CPUID (a wrong hint fails the chain)</td></tr>
 * </table>
 *
 * <p>Attached certificates take precedence over fetching but are verified exactly like fetched
 * ones. A VCEK not attached is taken from the collateral cache, or fetched from AMD's KDS when the
 * verification is not offline.
 *
 * <p>Never throws for bad evidence. Thread-safe; successful certificate signature checks are cached
 * (by certificate bytes) so that a warm verification checks only the report signature.
 */
public final class SnpVerifier {
  /** The {@code snp} policy members this verifier evaluates. */
  public static final Set<String> SNP_RULES =
      Set.of(
          "measurements",
          "host_data",
          "id_key_digests",
          "author_key_digests",
          "family_id",
          "image_id",
          "chip_ids",
          "minimum_tcb",
          "minimum_guest_svn",
          "minimum_firmware",
          "debug_allowed",
          "migrate_ma_allowed",
          "smt_allowed",
          "single_socket_required",
          "vmpl",
          "products",
          "signing_keys",
          "roots",
          "check_crl");

  /** The top-level policy members an SNP-only verification evaluates. */
  public static final Set<String> TOP_RULES =
      Set.of(
          PolicySchema.ALLOW_EMULATED,
          PolicySchema.REPORT_DATA,
          PolicySchema.DESCRIPTION,
          PolicySchema.SNP);

  private static final HexFormat HEX = HexFormat.of();

  private final SnpTrust trust;
  private final Collateral collateral;
  private final AmdKds kds;
  private final ChainVerifier chains;
  private final Map<String, VcekCertificate> parsed =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, VcekCertificate> e) {
              return size() > 256;
            }
          });

  private SnpVerifier(SnpTrust trust, Collateral collateral, AmdKds kds, ChainVerifier chains) {
    this.trust = trust;
    this.collateral = collateral;
    this.kds = kds;
    this.chains = Objects.requireNonNull(chains, "chains");
  }

  /**
   * A verifier of real SEV-SNP evidence: chains must end at AMD's ARKs shipped in this jar.
   *
   * @param collateral where VCEKs and CRLs not attached to the evidence come from, or {@code null}
   *     to use attachments only
   * @param kds the KDS URLs to look up (and fetch) collateral under
   * @return the verifier
   */
  public static SnpVerifier amd(Collateral collateral, AmdKds kds) {
    return new SnpVerifier(
        SnpTrust.amd(), collateral, Objects.requireNonNull(kds, "kds"), ChainVerifier.shared());
  }

  /**
   * As {@link #amd(Collateral, AmdKds)}, with its own chain verifier (and so its own cache of
   * verified certificate signatures; {@code new ChainVerifier(0)} caches nothing).
   *
   * @param collateral where VCEKs and CRLs come from, or {@code null}
   * @param kds the KDS URLs
   * @param chains the chain verifier
   * @return the verifier
   */
  public static SnpVerifier amd(Collateral collateral, AmdKds kds, ChainVerifier chains) {
    return new SnpVerifier(SnpTrust.amd(), collateral, Objects.requireNonNull(kds, "kds"), chains);
  }

  /**
   * A verifier of emulated evidence (SNP format): the chain must end at a root attached to the
   * evidence whose SHA-256 the policy pins in {@code snp.roots}; nothing is fetched.
   *
   * @return the verifier
   */
  public static SnpVerifier emulated() {
    return new SnpVerifier(null, null, null, ChainVerifier.shared());
  }

  /**
   * Whether this verifier trusts only roots pinned by the policy (emulated evidence).
   *
   * @return {@code true} for {@link #emulated()}
   */
  public boolean emulatedRoots() {
    return trust == null;
  }

  /**
   * Verifies SNP-format evidence against a policy: report, chain, policy's {@code snp} section and
   * the top-level {@code report_data}.
   *
   * @param request the evidence, policy, time and offline flag
   * @param evidencePlatforms the evidence platform ids accepted ({@code snp}; {@code emulated})
   * @param policyPlatforms the policy platforms evaluated
   * @return the verdict (emulated if this is the {@link #emulated()} verifier)
   */
  public Verdict verify(
      VerificationRequest request, Set<String> evidencePlatforms, Set<String> policyPlatforms) {
    Evidence evidence = request.evidence();
    Policy policy = request.policy();
    Evaluation ev = Evaluation.start(evidence.platform(), policy, policyPlatforms);
    try {
      ev.check(
          "evidence.platform",
          evidencePlatforms.contains(evidence.platform()),
          String.join(" or ", new java.util.TreeSet<>(evidencePlatforms)),
          evidence.platform(),
          evidencePlatforms.contains(evidence.platform())
              ? "evidence is SEV-SNP format"
              : "evidence is labelled "
                  + evidence.platform()
                  + (evidence.platform().equals("emulated")
                      ? " (" + Evaluation.EMULATED_TEXT + "): verify it with the emulated provider"
                      : ": this verifier checks SEV-SNP reports"));
      ev.emulation(emulatedRoots(), policy);
      Optional<PolicyRules> snp = Optional.empty();
      PolicyRules top = PolicyRules.of(policy);
      if (ev.policyUsable()) {
        ev.unknownRules(top, TOP_RULES);
        snp = top.section(PolicySchema.SNP);
      }
      Optional<Verified> v =
          verifyReport(
              evidence.report(), evidence.attachments(), snp, ev, request.at(), request.offline());
      if (v.isPresent() && ev.policyUsable()) {
        evaluatePolicy(v.get(), snp.orElse(null), ev, !emulatedRoots());
        ev.reportData(top, v.get().report().reportData());
      }
    } catch (RuntimeException e) {
      ev.fail(
          "internal",
          "a completed verification",
          e.getClass().getSimpleName(),
          "verification failed unexpectedly (" + e + "); the evidence is not accepted");
    }
    return ev.verdict();
  }

  /**
   * What a successful cryptographic verification established.
   *
   * @param report the parsed report
   * @param product the product
   * @param signer the VCEK or VLEK
   * @param path the verified chain, signer first, ARK last
   * @param reportedTcb REPORTED_TCB decoded in the product's layout
   */
  public record Verified(
      SnpReport report,
      SnpProduct product,
      VcekCertificate signer,
      List<X509Certificate> path,
      TcbVersion reportedTcb) {
    /**
     * The root's fingerprint.
     *
     * @return the SHA-256 of the ARK's DER
     */
    public String rootSha256() {
      return Certs.sha256(path.get(path.size() - 1));
    }
  }

  /**
   * The cryptographic part, for composite evidence (the vTPM provider's Azure form): parses and
   * verifies one report with its certificates, adding a finding per check and the report's claims
   * to {@code ev}. Does not evaluate policy rules except {@code snp.check_crl}, {@code
   * snp.products} (v2 product hint) and, for emulated evidence, {@code snp.roots}; call {@link
   * #evaluatePolicy} afterwards.
   *
   * @param report the report bytes
   * @param attachments certificates and CRL (see the class description)
   * @param snp the policy's {@code snp} section, if any
   * @param ev the evaluation to add to
   * @param at the verification time
   * @param offline whether collateral must not be fetched
   * @return what was verified, or empty if a check failed
   */
  public Optional<Verified> verifyReport(
      byte[] report,
      Map<String, byte[]> attachments,
      Optional<PolicyRules> snp,
      Evaluation ev,
      Instant at,
      boolean offline) {
    SnpReport r;
    try {
      r = SnpReport.parse(report);
    } catch (SnpFormatException e) {
      ev.fail(
          "report.format",
          "an SEV-SNP ATTESTATION_REPORT (v2-v5, 0x4A0 bytes)",
          "malformed",
          "the report is malformed: " + e.getMessage());
      return Optional.empty();
    }
    claims(r, ev);
    boolean formatOk =
        ev.check(
            "report.format",
            r.signatureAlgo() == SnpReport.ALGO_ECDSA_P384_SHA384,
            "signature algorithm 1 (ECDSA P-384 with SHA-384)",
            "version " + r.version() + ", signature algorithm " + r.signatureAlgo(),
            r.signatureAlgo() == SnpReport.ALGO_ECDSA_P384_SHA384
                ? "the report is a version " + r.version() + " SEV-SNP report"
                : "the report's signature algorithm "
                    + r.signatureAlgo()
                    + " is not ECDSA P-384 with SHA-384");
    boolean vlek = r.signingKey() == SnpReport.KEY_VLEK;
    boolean keyOk =
        ev.check(
            "report.signing_key",
            r.signingKey() == SnpReport.KEY_VCEK || vlek,
            "vcek or vlek",
            r.signingKeyName(),
            r.signingKey() == SnpReport.KEY_VCEK || vlek
                ? "the report is signed by a "
                    + r.signingKeyName().toUpperCase(java.util.Locale.ROOT)
                : "the report names no AMD signing key (SIGNING_KEY " + r.signingKeyName() + ")");
    if (!formatOk || !keyOk) {
      return Optional.empty();
    }
    String keyName = vlek ? "VLEK" : "VCEK";

    Material m;
    try {
      m = Material.of(attachments);
    } catch (SnpFormatException | ChainException e) {
      ev.fail(
          "evidence.attachments",
          "well-formed certificates",
          "malformed",
          "an attachment is malformed: " + e.getMessage());
      return Optional.empty();
    }

    // The product: from CPUID (v3+), else from hints; v2 reports are tried against each hint.
    List<SnpProduct> candidates = new ArrayList<>();
    if (r.cpuidFamily() >= 0) {
      Optional<SnpProduct> p = r.cpuidProduct();
      if (p.isEmpty()) {
        ev.fail(
            "report.product",
            "an SEV-SNP product (Milan, Genoa, Turin)",
            String.format("CPUID family 0x%02x model 0x%02x", r.cpuidFamily(), r.cpuidModel()),
            "the report's CPU is not a known SEV-SNP product");
        return Optional.empty();
      }
      candidates.add(p.get());
    } else {
      m.product.flatMap(SnpProduct::fromName).ifPresent(candidates::add);
      snp.flatMap(s -> s.strings("products"))
          .ifPresent(
              l ->
                  l.forEach(
                      n ->
                          SnpProduct.fromName(n)
                              .filter(x -> !candidates.contains(x))
                              .ifPresent(candidates::add)));
    }

    // The signing certificate: attached, else cached or fetched (VCEKs only; VLEKs are private).
    X509Certificate signerCert = vlek ? m.vlek.orElse(m.vcek.orElse(null)) : m.vcek.orElse(null);
    String source = "attached to the evidence";
    if (signerCert == null) {
      if (vlek || trust == null || collateral == null) {
        ev.fail(
            "vcek.source",
            "the " + keyName + " certificate",
            "missing",
            "no "
                + keyName
                + " is attached to the evidence"
                + (vlek
                    ? " (VLEKs are not public: attach the VLEK the guest received)"
                    : trust == null ? "" : " and no collateral source is configured"));
        return Optional.empty();
      }
      if (candidates.isEmpty()) {
        ev.fail(
            "report.product",
            "the product of a v2 report",
            "unknown",
            "a version 2 report carries no CPUID: name the product in snp.products, or attach"
                + " the VCEK or a 'product' hint");
        return Optional.empty();
      }
      String lastError = null;
      for (SnpProduct p : candidates) {
        URI url = kds.vcek(p, r.chipId(), TcbVersion.decode(r.reportedTcb(), p));
        try {
          CollateralItem item = collateral.get(url, offline);
          signerCert = Certs.readOne(item.body());
          source = "from " + url;
          break;
        } catch (CollateralException | ChainException e) {
          lastError = e.getMessage();
        }
      }
      if (signerCert == null) {
        ev.fail(
            "vcek.source",
            "the VCEK certificate",
            "unavailable",
            "cannot get the VCEK: " + lastError);
        return Optional.empty();
      }
    }
    ev.pass(
        "vcek.source",
        "the " + keyName + " certificate",
        source,
        "the " + keyName + " is " + source);

    VcekCertificate signer;
    try {
      signer = vcek(signerCert);
    } catch (SnpFormatException e) {
      ev.fail("vcek.extensions", "AMD " + keyName + " extensions", "malformed", e.getMessage());
      return Optional.empty();
    }
    signer.cspId().ifPresent(c -> ev.claim("csp_id", c));
    signer.productName().ifPresent(n -> ev.claim("vcek_product", n));

    // Settle the product: the VCEK's productName must agree with CPUID; v2 reports take it.
    Optional<SnpProduct> named = signer.productName().flatMap(SnpProduct::fromName);
    SnpProduct product;
    boolean productOk = true;
    if (r.cpuidFamily() >= 0) {
      product = candidates.get(0);
      if (named.isPresent() && named.get() != product) {
        productOk = false;
        ev.fail(
            "vcek.product",
            product.kdsName(),
            signer.productName().orElse(""),
            "the "
                + keyName
                + " is for "
                + signer.productName().orElse("?")
                + " but the report comes from a "
                + product.kdsName());
      }
    } else if (named.isPresent()) {
      product = named.get();
    } else if (candidates.size() == 1) {
      product = candidates.get(0);
    } else {
      ev.fail(
          "report.product",
          "the product of a v2 report",
          "unknown",
          "a version 2 report carries no CPUID and the "
              + keyName
              + " names no product: name"
              + " exactly one product in snp.products");
      return Optional.empty();
    }
    ev.claim("product", product.kdsName());
    if (productOk) {
      ev.pass(
          "vcek.product",
          product.kdsName(),
          signer.productName().orElse(product.kdsName()),
          "the " + keyName + " is for the report's product");
    }

    // The chain to a trusted root. Later checks run even if it fails, so that the verdict lists
    // every problem; only a fully verified report is returned.
    List<X509Certificate> path = null;
    try {
      path = chain(signerCert, product, vlek, m, snp, at);
      X509Certificate root = path.get(path.size() - 1);
      ev.claim("root_sha256", Certs.sha256(root));
      ev.pass(
          "vcek.chain",
          keyName + " → " + (vlek ? "ASVK" : "ASK") + " → root",
          names(path),
          "the "
              + keyName
              + " chains to "
              + ChainVerifier.name(root)
              + " (SHA-256 "
              + Certs.sha256(root)
              + ") at "
              + at);
    } catch (ChainException e) {
      ev.fail(
          "vcek.chain",
          keyName
              + " → "
              + (vlek ? "ASVK" : "ASK")
              + " → "
              + (trust == null ? "a pinned root" : "ARK-" + product.kdsName()),
          "invalid",
          "the " + keyName + " certificate chain does not verify: " + e.getMessage());
    }

    // The report signature, checked every time (never cached), and only under a trusted key.
    boolean sigOk = path != null && verifySignature(signerCert, r);
    ev.check(
        "report.signature",
        sigOk,
        "an ECDSA P-384 signature by the " + keyName,
        path == null ? "not checked" : sigOk ? "valid" : "invalid",
        path == null
            ? "the report signature proves nothing under an untrusted " + keyName
            : sigOk
                ? "the report is signed by the " + keyName
                : "the report signature does not verify under the "
                    + keyName
                    + ": the report was altered or signed by another key");

    // The chip: a VCEK is bound to one chip by hwID; a VLEK to a cloud provider.
    boolean chipOk = true;
    if (!vlek) {
      chipOk = checkChip(r, product, signer, ev);
    } else {
      ev.pass(
          "vcek.hwid",
          "a VLEK (no chip binding)",
          signer.cspId().orElse("no csp_id"),
          "the report is signed by a VLEK of "
              + signer.cspId().orElse("a cloud provider")
              + ", which does not name a chip");
    }

    // The TCB the key certifies must be REPORTED_TCB, decoded in the product's layout.
    TcbVersion reported = TcbVersion.decode(r.reportedTcb(), product);
    ev.claim("reported_tcb", reported.toString());
    ev.claim("current_tcb", TcbVersion.decode(r.currentTcb(), product).toString());
    ev.claim("committed_tcb", TcbVersion.decode(r.committedTcb(), product).toString());
    ev.claim("launch_tcb", TcbVersion.decode(r.launchTcb(), product).toString());
    boolean tcbOk =
        ev.check(
            "vcek.tcb",
            signer.certifies(reported),
            signer.tcbText(),
            reported.toString(),
            signer.certifies(reported)
                ? "the " + keyName + " certifies the report's REPORTED_TCB"
                : "the "
                    + keyName
                    + " certifies TCB "
                    + signer.tcbText()
                    + " but REPORTED_TCB is "
                    + reported);

    if (path == null || !productOk || !sigOk) {
      return Optional.empty();
    }
    boolean crlOk = checkCrl(product, vlek, path, m, snp, ev, at, offline);
    if (!chipOk || !tcbOk || !crlOk) {
      return Optional.empty();
    }
    return Optional.of(new Verified(r, product, signer, path, reported));
  }

  /**
   * Evaluates a policy's {@code snp} section against verified evidence.
   *
   * @param v what {@link #verifyReport} established
   * @param snp the {@code snp} section, or {@code null} if the policy has none
   * @param ev the evaluation to add to
   * @param measurementRequired whether a missing {@code snp.measurements} fails (true for the
   *     {@code snp} platform; the Azure form may pin PCRs instead)
   */
  public void evaluatePolicy(
      Verified v, PolicyRules snp, Evaluation ev, boolean measurementRequired) {
    SnpReport r = v.report();
    if (snp == null) {
      if (measurementRequired) {
        ev.missingMeasurement(
            "snp.measurements", "launch measurement", HEX.formatHex(r.measurement()));
      }
      return;
    }
    ev.unknownRules(snp, SNP_RULES);
    if (measurementRequired) {
      ev.requiredAllowList(
          snp.path("measurements"),
          snp.hexList("measurements"),
          r.measurement(),
          "launch measurement");
    } else {
      ev.allowList(
          snp.path("measurements"),
          snp.hexList("measurements"),
          r.measurement(),
          "launch measurement");
    }
    ev.allowList(snp.path("host_data"), snp.hexList("host_data"), r.hostData(), "host data");
    ev.allowList(
        snp.path("id_key_digests"),
        snp.hexList("id_key_digests"),
        r.idKeyDigest(),
        "ID key digest");
    ev.allowList(
        snp.path("author_key_digests"),
        snp.hexList("author_key_digests"),
        r.authorKeyDigest(),
        "author key digest");
    ev.allowList(snp.path("family_id"), snp.hexList("family_id"), r.familyId(), "family id");
    ev.allowList(snp.path("image_id"), snp.hexList("image_id"), r.imageId(), "image id");
    ev.allowList(snp.path("chip_ids"), snp.hexList("chip_ids"), r.chipId(), "chip id");
    if (snp.raw("minimum_tcb") instanceof Map<?, ?> min) {
      TcbVersion t = v.reportedTcb();
      String p = snp.path("minimum_tcb");
      minimum(ev, p + ".bootloader", min.get("bootloader"), t.bootloader(), "bootloader SPL");
      minimum(ev, p + ".tee", min.get("tee"), t.tee(), "TEE SPL");
      minimum(ev, p + ".snp", min.get("snp"), t.snp(), "SNP firmware SPL");
      minimum(ev, p + ".microcode", min.get("microcode"), t.microcode(), "microcode SPL");
      minimum(ev, p + ".fmc", min.get("fmc"), Math.max(t.fmc(), 0), "FMC SPL");
    }
    ev.minimum(
        snp.path("minimum_guest_svn"), snp.number("minimum_guest_svn"), r.guestSvn(), "guest SVN");
    if (snp.raw("minimum_firmware") instanceof Map<?, ?> fw) {
      long want = version(fw.get("major"), fw.get("minor"), fw.get("build"));
      long have = version(r.currentMajor(), r.currentMinor(), r.currentBuild());
      boolean ok = have >= want;
      String w = (want >> 16) + "." + ((want >> 8) & 0xff) + "." + (want & 0xff);
      ev.check(
          snp.path("minimum_firmware"),
          ok,
          ">= " + w,
          r.firmware(),
          ok
              ? "firmware " + r.firmware() + " is at least " + w
              : "firmware " + r.firmware() + " is older than the policy's minimum " + w);
    }
    ev.feature(
        snp.path("debug_allowed"),
        snp.bool("debug_allowed", false),
        r.debug(),
        "debugging (POLICY.DEBUG)");
    ev.feature(
        snp.path("migrate_ma_allowed"),
        snp.bool("migrate_ma_allowed", false),
        (r.policy() & SnpReport.POLICY_MIGRATE_MA) != 0,
        "migration agent (POLICY.MIGRATE_MA)");
    ev.feature(
        snp.path("smt_allowed"),
        snp.bool("smt_allowed", true),
        (r.policy() & SnpReport.POLICY_SMT) != 0,
        "SMT (POLICY.SMT)");
    if (snp.bool("single_socket_required", false)) {
      boolean single = (r.policy() & SnpReport.POLICY_SINGLE_SOCKET) != 0;
      ev.check(
          snp.path("single_socket_required"),
          single,
          "POLICY.SINGLE_SOCKET set",
          single ? "set" : "clear",
          single
              ? "the guest is restricted to a single socket"
              : "the guest policy does not restrict it to a single socket");
    }
    ev.oneOf(snp.path("vmpl"), snp.numbers("vmpl"), (long) r.vmpl(), "VMPL");
    ev.oneOf(snp.path("products"), snp.strings("products"), v.product().kdsName(), "product");
    ev.oneOf(
        snp.path("signing_keys"), snp.strings("signing_keys"), r.signingKeyName(), "signing key");
    ev.allowList(
        snp.path("roots"), snp.hexList("roots"), HEX.parseHex(v.rootSha256()), "root certificate");
  }

  private static void minimum(Evaluation ev, String rule, Object min, int found, String what) {
    if (min instanceof Number n) {
      ev.minimum(rule, OptionalLong.of(n.longValue()), found, what);
    }
  }

  private static long version(Object major, Object minor, Object build) {
    return (num(major) << 16) | (num(minor) << 8) | num(build);
  }

  private static long num(Object o) {
    return o instanceof Number n ? n.longValue() & 0xff : 0;
  }

  private static void claims(SnpReport r, Evaluation ev) {
    ev.claim("report_version", String.valueOf(r.version()));
    ev.claim("measurement", HEX.formatHex(r.measurement()));
    ev.claim("host_data", HEX.formatHex(r.hostData()));
    ev.claim("report_data", HEX.formatHex(r.reportData()));
    ev.claim("chip_id", HEX.formatHex(r.chipId()));
    ev.claim("vmpl", String.valueOf(r.vmpl()));
    ev.claim("debug", String.valueOf(r.debug()));
    ev.claim("policy", String.format("0x%016x", r.policy()));
    ev.claim("guest_svn", Long.toString(r.guestSvn()));
    ev.claim("family_id", HEX.formatHex(r.familyId()));
    ev.claim("image_id", HEX.formatHex(r.imageId()));
    ev.claim("id_key_digest", HEX.formatHex(r.idKeyDigest()));
    ev.claim("author_key_digest", HEX.formatHex(r.authorKeyDigest()));
    ev.claim("report_id", HEX.formatHex(r.reportId()));
    ev.claim("signing_key", r.signingKeyName());
    ev.claim("platform_info", String.format("0x%016x", r.platformInfo()));
    ev.claim("firmware", r.firmware());
    if (r.cpuidFamily() >= 0) {
      ev.claim(
          "cpuid",
          String.format(
              "family 0x%02x model 0x%02x stepping 0x%02x",
              r.cpuidFamily(), r.cpuidModel(), r.cpuidStepping()));
    }
  }

  private VcekCertificate vcek(X509Certificate cert) throws SnpFormatException {
    String key = Certs.sha256(cert);
    VcekCertificate v = parsed.get(key);
    if (v == null) {
      v = VcekCertificate.of(cert);
      parsed.put(key, v);
    }
    return v;
  }

  private List<X509Certificate> chain(
      X509Certificate signer,
      SnpProduct product,
      boolean vlek,
      Material m,
      Optional<PolicyRules> snp,
      Instant at)
      throws ChainException {
    if (trust == null) {
      // Emulated: only attached self-signed roots that the policy pins by SHA-256.
      List<String> pinned = snp.flatMap(s -> s.hexList("roots")).orElse(List.of());
      if (pinned.isEmpty()) {
        throw new ChainException(
            "emulated evidence is trusted only under a root the policy pins in snp.roots");
      }
      List<X509Certificate> anchors = new ArrayList<>();
      List<X509Certificate> intermediates = new ArrayList<>();
      for (X509Certificate c : m.others) {
        boolean selfSigned = c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
        if (selfSigned && pinned.contains(Certs.sha256(c))) {
          anchors.add(c);
        } else if (!selfSigned) {
          intermediates.add(c);
        }
      }
      if (anchors.isEmpty()) {
        throw new ChainException(
            "no root attached to the evidence has a SHA-256 pinned in" + " snp.roots");
      }
      List<X509Certificate> c = new ArrayList<>();
      c.add(signer);
      c.addAll(intermediates);
      return chains.verify(c, anchors, at);
    }
    X509Certificate ark = trust.ark(product);
    Set<X509Certificate> intermediates = new LinkedHashSet<>();
    trust.intermediate(product, vlek).ifPresent(intermediates::add);
    for (X509Certificate c : m.others) {
      if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
        intermediates.add(c);
      }
    }
    ChainException first = null;
    for (X509Certificate i : intermediates) {
      try {
        return chains.verify(List.of(signer, i), List.of(ark), at);
      } catch (ChainException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    throw first != null
        ? first
        : new ChainException("no " + (vlek ? "ASVK" : "ASK") + " for " + product.kdsName());
  }

  private static boolean verifySignature(X509Certificate signer, SnpReport r) {
    return Ecdsa.verifyP1363(signer.getPublicKey(), r.signedBytes(), r.signatureP1363());
  }

  private static boolean checkChip(
      SnpReport r, SnpProduct product, VcekCertificate signer, Evaluation ev) {
    if (signer.hwId().isEmpty()) {
      ev.fail(
          "vcek.hwid",
          "a VCEK with a hwID extension",
          "none",
          "the VCEK has no hwID, so it is not bound to the report's chip");
      return false;
    }
    byte[] hw = signer.hwId().get();
    if (r.maskChipKey() && isZero(r.chipId())) {
      ev.pass(
          "vcek.hwid",
          "CHIP_ID withheld (MASK_CHIP_KEY)",
          HEX.formatHex(hw),
          "the guest masked CHIP_ID; the chip is identified by the VCEK only");
      return true;
    }
    byte[] chip = r.chipId();
    boolean ok;
    if (hw.length == 8) {
      // Turin VCEKs carry 8 bytes; the report's remaining 56 bytes are zero.
      ok =
          product == SnpProduct.TURIN
              && Arrays.equals(hw, Arrays.copyOf(chip, 8))
              && isZero(Arrays.copyOfRange(chip, 8, 64));
    } else {
      ok = Arrays.equals(hw, chip);
    }
    return ev.check(
        "vcek.hwid",
        ok,
        HEX.formatHex(hw),
        HEX.formatHex(chip),
        ok
            ? "the VCEK belongs to the report's chip"
            : "the VCEK belongs to another chip than the report's CHIP_ID");
  }

  private boolean checkCrl(
      SnpProduct product,
      boolean vlek,
      List<X509Certificate> path,
      Material m,
      Optional<PolicyRules> snp,
      Evaluation ev,
      Instant at,
      boolean offline) {
    boolean required = snp.map(s -> s.bool("check_crl", true)).orElse(true);
    if (!required) {
      ev.pass(
          "crl",
          "not checked (snp.check_crl is false)",
          "not checked",
          "revocation was not checked: the policy turns the CRL check off");
      return true;
    }
    X509Certificate root = path.get(path.size() - 1);
    X509CRL crl = null;
    String source = "attached to the evidence";
    String problem = null;
    if (m.crl.isPresent()) {
      crl = m.crl.get();
    } else if (trust != null && collateral != null) {
      URI url = kds.crl(product, vlek);
      try {
        CollateralItem item = collateral.get(url, offline, i -> current(i, at));
        crl = Certs.readCrl(item.body());
        source = "from " + url;
      } catch (CollateralException | ChainException e) {
        problem = e.getMessage();
      }
    } else {
      problem = "no CRL is attached to the evidence";
    }
    String expected = "the CRL of " + ChainVerifier.name(root) + ", current, not listing the chain";
    if (crl == null) {
      ev.fail(
          "crl",
          expected,
          "unavailable",
          "cannot check revocation: "
              + problem
              + " (the policy's snp.check_crl is true by default)");
      return false;
    }
    try {
      chains.verifyCrl(crl, root, at);
      for (X509Certificate c : path.subList(0, path.size() - 1)) {
        if (c.getIssuerX500Principal().equals(crl.getIssuerX500Principal())) {
          ChainVerifier.checkNotRevoked(crl, c);
        }
      }
    } catch (ChainException e) {
      ev.fail("crl", expected, "failed", "revocation check failed: " + e.getMessage());
      return false;
    }
    ev.pass(
        "crl",
        expected,
        "checked (" + source + ")",
        "no certificate of the chain is revoked"
            + " (CRL next update "
            + crl.getNextUpdate().toInstant()
            + ")");
    return true;
  }

  private static boolean current(CollateralItem item, Instant at) {
    try {
      X509CRL crl = Certs.readCrl(item.body());
      return crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isAfter(at);
    } catch (ChainException e) {
      return false;
    }
  }

  private static String names(List<X509Certificate> path) {
    StringBuilder b = new StringBuilder();
    for (X509Certificate c : path) {
      b.append(b.length() == 0 ? "" : " → ").append(ChainVerifier.name(c));
    }
    return b.toString();
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** The certificates and CRL attached to evidence, parsed. */
  private static final class Material {
    Optional<X509Certificate> vcek = Optional.empty();
    Optional<X509Certificate> vlek = Optional.empty();
    final List<X509Certificate> others = new ArrayList<>();
    Optional<X509CRL> crl = Optional.empty();
    Optional<String> product = Optional.empty();

    static Material of(Map<String, byte[]> a) throws SnpFormatException, ChainException {
      Material m = new Material();
      Map<String, byte[]> all = new LinkedHashMap<>();
      if (a.containsKey("certs")) {
        all.putAll(CertTable.parse(a.get("certs")));
      }
      all.putAll(a);
      for (Map.Entry<String, byte[]> e : all.entrySet()) {
        switch (e.getKey()) {
          case "vcek" -> m.vcek = Optional.of(one(e.getKey(), e.getValue()));
          case "vlek" -> m.vlek = Optional.of(one(e.getKey(), e.getValue()));
          case "ask", "asvk", "ark", "cert_chain" -> {
            try {
              m.others.addAll(Certs.read(e.getValue()));
            } catch (ChainException x) {
              throw new ChainException("attachment '" + e.getKey() + "': " + x.getMessage(), x);
            }
          }
          case "crl" -> {
            try {
              m.crl = Optional.of(Certs.readCrl(e.getValue()));
            } catch (ChainException x) {
              throw new ChainException("attachment 'crl': " + x.getMessage(), x);
            }
          }
          case "product" ->
              m.product = Optional.of(new String(e.getValue(), StandardCharsets.UTF_8).trim());
          default -> {
            // Other attachments (event logs, a vTPM quote) belong to other verifiers.
          }
        }
      }
      return m;
    }

    private static X509Certificate one(String name, byte[] b) throws ChainException {
      try {
        return Certs.readOne(b);
      } catch (ChainException x) {
        throw new ChainException("attachment '" + name + "': " + x.getMessage(), x);
      }
    }
  }
}

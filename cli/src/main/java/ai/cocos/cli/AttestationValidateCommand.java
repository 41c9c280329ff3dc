package ai.cocos.cli;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli attestation validate}: verifies evidence against a policy. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Verify attestation evidence against a policy.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Verifies EVIDENCE (a file from 'attestation get', or a raw report or quote with"
          + " --platform) against the policy: every signature and certificate chain up to AMD's"
          + " or Intel's roots shipped in this tool, revocation, the TCB, and every rule of the"
          + " policy. Prints every check, failed ones with what was expected and what was found.",
      "",
      "Collateral (VCEKs, CRLs, Intel TCB info) comes from the evidence, then the collateral"
          + " cache ($COCOS_COLLATERAL_CACHE, else ~/.cache/cocos/collateral, or --collateral),"
          + " then AMD's or Intel's services unless --offline. Nothing the cache holds is"
          + " fetched again."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli attestation validate evidence.json --policy policy.json",
      "  cocos-cli attestation validate vtpm.json --policy policy.json --nonce $NONCE",
      "  cocos-cli attestation validate report.bin --platform snp --certs vcek.der \\",
      "      --policy policy.json --at 2025-01-01T00:00:00Z --offline --json"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the evidence passed every check",
      "1:it failed a check, or could not be read",
      "2:usage error"
    })
final class AttestationValidateCommand extends LocalCommand {
  @Parameters(
      index = "0",
      paramLabel = "EVIDENCE",
      description = "The evidence: a cocos-evidence file, or a raw report/quote with --platform.")
  Path evidenceFile;

  @Option(
      names = "--platform",
      paramLabel = "PLATFORM",
      description =
          "snp, tdx, vtpm, azure-snp-vtpm, azure-tdx-vtpm or emulated (default: the evidence"
              + " file's).")
  String platform;

  @Option(
      names = "--policy",
      required = true,
      paramLabel = "FILE",
      description = "The policy (JSON; see 'attestation policy create').")
  Path policyFile;

  @Option(
      names = "--certs",
      paramLabel = "FILE",
      arity = "1..*",
      description =
          "Certificates and collateral to add to the evidence (a VCEK/VLEK, an ASK+ARK bundle, a"
              + " CRL, a folder of Intel collateral such as tcb_info.json), named by content or"
              + " file name.")
  List<Path> certs = new ArrayList<>();

  @Option(
      names = "--attach",
      paramLabel = "NAME=FILE",
      description = "Add FILE to the evidence as attachment NAME (see the provider's README).")
  List<String> attach = new ArrayList<>();

  @Option(
      names = "--at",
      paramLabel = "TIME",
      description =
          "Verify as of this time (ISO-8601, e.g. 2025-01-01T00:00:00Z or 2025-01-01; default:"
              + " now). Certificates and collateral must be valid then.")
  String at;

  @Option(names = "--offline", description = "Never fetch collateral: evidence and cache only.")
  boolean offline;

  @Option(
      names = "--collateral",
      paramLabel = "DIR",
      description =
          "The collateral cache folder, or an offline bundle folder from 'ca-bundle' (default:"
              + " $COCOS_COLLATERAL_CACHE, else ~/.cache/cocos/collateral).")
  Path collateral;

  @Option(
      names = "--nonce",
      paramLabel = "HEX",
      description =
          "The nonce you sent with 'attestation get' (hex): the quote must carry it (vtpm.nonce),"
              + " or for SEV-SNP and TDX the report data (report_data, zero-padded to 64 bytes)."
              + " Without it, or a pin in the policy, evidence may be a replay.")
  String nonce;

  @Option(names = "--json", description = "Print the verdict as one JSON object.")
  boolean json;

  @Override
  int run() throws Failure {
    if (platform != null && !AttestationProviders.PLATFORMS.contains(platform)) {
      throw usage(
          "--platform: '"
              + platform
              + "' is not one of "
              + String.join(", ", AttestationProviders.PLATFORMS));
    }
    Instant when;
    try {
      when = time(at);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    Policy policy = readPolicy(policyFile);
    if (nonce != null) {
      policy = withNonce(policy, nonce);
    }
    AttestationInput.Input input = AttestationInput.read(evidenceFile, platform, certs, attach);
    Evidence evidence = input.evidence();
    String verifyAs = platform != null ? platform : evidence.platform();
    AttestationProviders providers =
        AttestationProviders.from(Main.env(spec), collateral, !offline);
    TeeProvider provider = providers.provider(verifyAs);
    Verdict verdict = provider.verify(new VerificationRequest(evidence, policy, when, offline));
    boolean emulated = verdict.emulated() || TeeProvider.EMULATED.equals(evidence.platform());
    if (json) {
      JsonOut.print(out(), toJson(verdict, verifyAs, evidence, when, emulated));
    } else {
      print(out(), verdict, verifyAs, evidence, when, emulated);
    }
    if (emulated) {
      err().println(EMULATED);
      err().flush();
    }
    return verdict.passed() ? 0 : 1;
  }

  /** What is shown with emulated evidence, always. */
  static final String EMULATED = "emulated, not a real TEE";

  static Instant time(String at) {
    if (at == null) {
      return Instant.now();
    }
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(at).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            "--at: '" + at + "' is not an ISO-8601 time such as 2025-01-01T00:00:00Z");
      }
    }
  }

  /**
   * The policy with the request's nonce pinned: {@code vtpm.nonce} for vTPM platforms, {@code
   * report_data} for the others. A policy that pins another value already is an error, not
   * overridden.
   */
  @SuppressWarnings("unchecked")
  private Policy withNonce(Policy policy, String hex) throws Failure {
    String h = hex.toLowerCase(java.util.Locale.ROOT);
    h = h.startsWith("0x") ? h.substring(2) : h;
    if (h.isEmpty() || h.length() % 2 != 0 || h.length() > 128 || !h.matches("[0-9a-f]+")) {
      throw usage("--nonce: '" + hex + "' is not 1 to 64 bytes of hex");
    }
    Map<String, Object> rules = new LinkedHashMap<>(policy.rules());
    boolean vtpm =
        policy.platform().equals(TeeProvider.VTPM) || policy.platform().endsWith("-vtpm");
    String where = vtpm ? "vtpm.nonce" : "report_data";
    Object had;
    if (vtpm) {
      Map<String, Object> section =
          new LinkedHashMap<>((Map<String, Object>) rules.getOrDefault("vtpm", Map.of()));
      had = section.put("nonce", h);
      rules.put("vtpm", section);
    } else {
      had = rules.put("report_data", h);
    }
    if (had != null && !String.valueOf(had).equalsIgnoreCase(h)) {
      throw new Failure(policyFile + " pins " + where + " " + had + " already; --nonce gives " + h);
    }
    Policy p = new Policy(policy.platform(), rules);
    var problems = PolicyDocument.standard().validate(p);
    if (!problems.isEmpty()) {
      throw new Failure("--nonce: " + problems.get(0).text());
    }
    return p;
  }

  static Policy readPolicy(Path file) throws Failure {
    try {
      return PolicyDocument.read(file);
    } catch (IOException e) {
      throw new Failure(file + ": cannot read the policy: " + LocalFiles.problem(e, file));
    } catch (PolicyException e) {
      throw new Failure(file + ": not a valid policy: " + e.getMessage());
    }
  }

  private static void print(
      PrintWriter out, Verdict v, String as, Evidence e, Instant when, boolean emulated) {
    if (emulated) {
      out.println("!! " + EMULATED + " !!");
    }
    int failed = v.failures().size();
    int total = v.findings().size();
    out.println(
        (v.passed() ? "PASS" : "FAIL")
            + ": "
            + e.platform()
            + " evidence verified as "
            + as
            + " at "
            + when
            + (v.passed()
                ? " (" + total + " checks passed)"
                : " (" + failed + " of " + total + " checks failed)"));
    for (Verdict.Finding f : v.findings()) {
      if (f.passed()) {
        out.println("  ok    " + f.rule() + ": " + f.message());
      } else {
        out.println("  FAIL  " + f.rule() + ": " + f.message());
        out.println("          expected: " + f.expected());
        out.println("          found:    " + f.found());
      }
    }
    if (!v.claims().isEmpty()) {
      out.println("claims:");
      new TreeMap<>(v.claims()).forEach((k, val) -> out.println("  " + k + ": " + val));
    }
    out.flush();
  }

  private static Map<String, Object> toJson(
      Verdict v, String as, Evidence e, Instant when, boolean emulated) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("passed", v.passed());
    m.put("platform", as);
    m.put("evidence_platform", e.platform());
    m.put("emulated", emulated);
    if (emulated) {
      m.put("warning", EMULATED);
    }
    m.put("at", when.toString());
    List<Object> findings = new ArrayList<>();
    for (Verdict.Finding f : v.findings()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("rule", f.rule());
      x.put("passed", f.passed());
      x.put("expected", f.expected());
      x.put("found", f.found());
      x.put("message", f.message());
      findings.add(x);
    }
    m.put("findings", findings);
    m.put("claims", new TreeMap<>(v.claims()));
    return m;
  }
}

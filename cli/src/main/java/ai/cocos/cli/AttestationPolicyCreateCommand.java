package ai.cocos.cli;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyException;
import ai.cocos.tee.vtpm.VtpmPolicyTemplates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli attestation policy create}: a policy pinning what evidence measured. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Write a policy that pins what given evidence measured.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Reads evidence you trust (e.g. from a VM you launched yourself) and writes a policy"
          + " accepting exactly what it measured: the SNP launch digest, host data and TCB; the"
          + " TDX MRTD, RTMRs and TCB; the vTPM's boot PCRs. Debug is always forbidden. The"
          + " nonce/report data is never pinned (it changes per request): add report_data or"
          + " vtpm.nonce when you validate fresh evidence. Review the policy before use.",
      "",
      "SEV-SNP and vTPM evidence must verify cryptographically first (at --at), so nothing"
          + " unproven is pinned; TDX quotes are pinned as read: validate them too.",
      "",
      "vtpm policies can also pin the PCRs the EOS build recorded (--eos-measurements) and the"
          + " computation manifest the agent measures into PCR16 (--manifest): PCR16 ="
          + " SHA-256(32 zero bytes || SHA3-256(canonical manifest)) in the sha256 bank,"
          + " SHA-384(48 zero bytes || SHA3-384(...)) in the sha384 bank. Without --from, give the"
          + " attestation key's fingerprint with --ak-key."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli attestation policy create snp --from evidence.json -o policy.json",
      "  cocos-cli attestation policy create vtpm --from vtpm.json --manifest manifest.json \\",
      "      --eos-measurements eos/target/eos/eos-measurements.json -o policy.json"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the policy was written",
      "1:the evidence cannot be read or does not verify",
      "2:usage error"
    })
final class AttestationPolicyCreateCommand extends LocalCommand {
  @Parameters(
      index = "0",
      paramLabel = "PLATFORM",
      description = "snp, tdx, vtpm, azure-snp-vtpm, azure-tdx-vtpm or emulated.")
  String platform;

  @Option(
      names = "--from",
      paramLabel = "EVIDENCE",
      description =
          "The evidence: a cocos-evidence file, or a raw report/quote of PLATFORM. Required,"
              + " except for vtpm with --eos-measurements or --manifest.")
  Path from;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "vtpm: pin PCR16 to this computation manifest (the agent measures each manifest it"
              + " accepts into PCR16).")
  Path manifest;

  @Option(
      names = "--eos-measurements",
      paramLabel = "FILE",
      description =
          "vtpm: pin the PCRs the EOS image build recorded (eos-measurements.json: {\"pcrs\":"
              + " {\"sha256\": {\"0\": \"<hex>\", ...}}}); they replace the evidence's values.")
  Path eosMeasurements;

  @Option(
      names = "--bank",
      paramLabel = "BANK",
      description =
          "vtpm: a PCR bank to pin (sha256, sha384; repeatable; default: the evidence's, else"
              + " sha256). The agent must quote every bank pinned.")
  List<String> banks = new ArrayList<>();

  @Option(
      names = "--ak-key",
      paramLabel = "SHA256",
      description =
          "vtpm: pin this attestation key (SHA-256 of its SubjectPublicKeyInfo, as 'validate'"
              + " shows in vtpm.ak.sha256); repeatable.")
  List<String> akKeys = new ArrayList<>();

  @Option(
      names = "--certs",
      paramLabel = "FILE",
      arity = "1..*",
      description = "Certificates and collateral to add to the evidence (as for validate).")
  List<Path> certs = new ArrayList<>();

  @Option(
      names = "--attach",
      paramLabel = "NAME=FILE",
      description = "Add FILE to the evidence as attachment NAME.")
  List<String> attach = new ArrayList<>();

  @Option(
      names = "--at",
      paramLabel = "TIME",
      description = "Verify the evidence as of this time (ISO-8601; default: now).")
  String at;

  @Option(names = "--offline", description = "Never fetch collateral: evidence and cache only.")
  boolean offline;

  @Option(
      names = "--collateral",
      paramLabel = "DIR",
      description = "The collateral cache or offline bundle folder (as for validate).")
  Path collateral;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the policy here (default: standard output).")
  Path output;

  @Option(names = "--force", description = "Replace the output file if it exists.")
  boolean force;

  @Override
  int run() throws Failure {
    if (!AttestationProviders.PLATFORMS.contains(platform)) {
      throw usage(
          "PLATFORM: '"
              + platform
              + "' is not one of "
              + String.join(", ", AttestationProviders.PLATFORMS));
    }
    Instant when;
    try {
      when = AttestationValidateCommand.time(at);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    boolean vtpmExtras =
        manifest != null || eosMeasurements != null || !banks.isEmpty() || !akKeys.isEmpty();
    if (vtpmExtras && !TeeProvider.VTPM.equals(platform)) {
      throw usage("--manifest, --eos-measurements, --bank and --ak-key are for vtpm policies");
    }
    if (from == null && !(manifest != null || eosMeasurements != null)) {
      throw usage(
          "--from EVIDENCE is required (a vtpm policy can come from --eos-measurements or"
              + " --manifest instead)");
    }
    if (TeeProvider.VTPM.equals(platform) && (from == null || vtpmExtras)) {
      return write(vtpm(when));
    }
    Evidence evidence = AttestationInput.read(from, platform, certs, attach).evidence();
    if (!platform.equals(evidence.platform())) {
      throw new Failure(
          from
              + " holds "
              + evidence.platform()
              + " evidence"
              + (TeeProvider.EMULATED.equals(evidence.platform())
                  ? " (" + AttestationValidateCommand.EMULATED + ")"
                  : "")
              + ", not "
              + platform
              + ": a "
              + platform
              + " policy is written from "
              + platform
              + " evidence");
    }
    AttestationProviders providers =
        AttestationProviders.from(Main.env(spec), collateral, !offline);
    Policy policy;
    try {
      policy = EvidencePolicies.from(evidence, when, providers, offline, List.of());
    } catch (AttestationException | IllegalArgumentException e) {
      throw new Failure("cannot write a policy from " + from + ": " + e.getMessage());
    }
    return write(policy);
  }

  /** The vtpm policy from the evidence (if any), the EOS measurements, the manifest, AK keys. */
  private Policy vtpm(Instant when) throws Failure {
    Optional<Policy> template = Optional.empty();
    if (from != null) {
      Evidence evidence = AttestationInput.read(from, platform, certs, attach).evidence();
      if (!TeeProvider.VTPM.equals(evidence.platform())) {
        throw new Failure(
            from
                + " holds "
                + evidence.platform()
                + " evidence, not vtpm: a vtpm policy is"
                + " written from vtpm evidence");
      }
      try {
        template =
            Optional.of(
                VtpmPolicyTemplates.fromEvidence(
                    evidence,
                    when,
                    banks.stream().map(b -> b.toLowerCase(java.util.Locale.ROOT)).toList()));
      } catch (IllegalArgumentException e) {
        throw new Failure("cannot write a policy from " + from + ": " + e.getMessage());
      }
    }
    Optional<AttestationVtpmPolicy.Eos> eos =
        eosMeasurements == null
            ? Optional.empty()
            : Optional.of(AttestationVtpmPolicy.readEos(eosMeasurements));
    Optional<ai.cocos.api.computation.Manifest> m =
        manifest == null ? Optional.empty() : Optional.of(ManifestFiles.read(manifest));
    Policy p = AttestationVtpmPolicy.build(template, eos, m, banks, akKeys, err());
    err().flush();
    return p;
  }

  private int write(Policy policy) throws Failure {
    String text;
    try {
      text = PolicyDocument.standard().write(policy);
    } catch (PolicyException e) {
      throw new Failure(
          "the policy written from "
              + (from != null ? from : "the given files")
              + " is invalid: "
              + e.getMessage());
    }
    if (output == null) {
      out().print(text);
      out().flush();
    } else {
      LocalFiles.write(output, text.getBytes(StandardCharsets.UTF_8), false, force);
      out().println(output.toAbsolutePath().normalize());
      out().flush();
    }
    if (TeeProvider.EMULATED.equals(platform)) {
      err()
          .println(
              AttestationValidateCommand.EMULATED
                  + ": this policy accepts emulated evidence only, never use it for real secrets");
      err().flush();
    }
    return 0;
  }
}

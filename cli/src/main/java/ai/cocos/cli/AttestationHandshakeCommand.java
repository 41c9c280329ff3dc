package ai.cocos.cli;

import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.manifest.ManifestSignature;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cocos-cli attestation handshake}: the evidence of one fresh attested-TLS handshake, for a
 * first policy, sending nothing and trusting nothing ({@link FirstContact}).
 */
@Command(
    name = "handshake",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header =
        "Take the evidence of one fresh attested-TLS handshake, send nothing, trust nothing yet.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "First contact with an agent serving attested TLS (manifest attested_tls: true), which"
          + " serves nothing else, while you have no policy yet: connects to $AGENT_GRPC_URL,"
          + " sends a fresh random nonce in a TLS 1.3 handshake, and checks that the evidence in"
          + " the agent's certificate answers THIS nonce, names THIS certificate's key (which the"
          + " agent proves it holds in the handshake) and the manifest you expect, and that its"
          + " own signatures verify with that binding. Then it closes the connection without"
          + " sending a single request, and writes the evidence as a cocos-evidence file.",
      "",
      "Nothing is trusted yet: under no policy, the evidence proves what the key that signed it"
          + " claims, not whose key that is. A software vTPM's attestation key (swtpm, made per"
          + " VM by the host) can only be pinned on first use or compared with one you obtained"
          + " out of band; on SEV-SNP or TDX the vendor's root vouches instead. Write the policy"
          + " from the file ('attestation policy create vtpm --from FILE --eos-measurements ..."
          + " --manifest ...'), review it, and set AGENT_GRPC_ATTESTATION_POLICY: every later"
          + " command verifies the agent's evidence against it in each handshake.",
      "",
      "The expected manifest: --manifest, else $AGENT_GRPC_ATTESTATION_MANIFEST, else"
          + " $COCOS_MANIFEST. AGENT_GRPC_CLIENT_CERT and AGENT_GRPC_CLIENT_KEY are presented when"
          + " set (mutual attested TLS); AGENT_GRPC_TIMEOUT bounds the connection and handshake."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  cocos-cli attestation handshake --manifest manifest.json -o evidence.json",
      "  cocos-cli attestation policy create vtpm --from evidence.json --manifest manifest.json \\",
      "      --eos-measurements eos-measurements.json -o policy.json",
      "  export AGENT_GRPC_ATTESTATION_POLICY=policy.json"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the evidence holds together and was written (still untrusted)",
      "1:the agent cannot be reached, does not serve attested TLS, or its evidence does not hold"
          + " together (each failed check is printed); or the file cannot be written",
      "2:usage error"
    })
final class AttestationHandshakeCommand extends LocalCommand {
  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description =
          "The manifest the agent must hold (default: $AGENT_GRPC_ATTESTATION_MANIFEST, else"
              + " $COCOS_MANIFEST).")
  Path manifest;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Where to write the evidence (default: evidence.json).")
  Path output = Path.of("evidence.json");

  @Option(names = "--force", description = "Replace the file if it exists.")
  boolean force;

  @Option(
      names = "--agent",
      paramLabel = "HOST:PORT",
      description = "The agent's address (default: $AGENT_GRPC_URL, else localhost:7002).")
  String agent;

  @Option(
      names = "--offline",
      description = "Never fetch collateral (SEV-SNP, TDX): evidence and cache only.")
  boolean offline;

  @Option(
      names = {"-v", "--verbose"},
      description = "Say how the agent is reached.")
  boolean verbose;

  @Override
  int run() throws Failure {
    Function<String, String> env = Main.env(spec);
    Target override = null;
    if (agent != null) {
      try {
        override = Target.parse(agent);
      } catch (IllegalArgumentException e) {
        throw usage("--agent: " + e.getMessage());
      }
    }
    Path manifestFile = manifest;
    String manifestSource = "--manifest";
    for (String variable : List.of(AttestedTlsSettings.MANIFEST, "COCOS_MANIFEST")) {
      String v = env.apply(variable);
      if (manifestFile == null && v != null && !v.isBlank()) {
        manifestFile = Path.of(v.strip());
        manifestSource = variable;
      }
    }
    if (manifestFile == null) {
      throw usage(
          "give --manifest FILE, the manifest the agent must hold (or set "
              + AttestedTlsSettings.MANIFEST
              + "): the evidence must bind it");
    }
    Sha3Hash digest = ManifestSignature.digest(ManifestFiles.read(manifestFile));
    GrpcClient.Settings settings =
        GrpcClient.Settings.from(GrpcClient.Server.AGENT, env, override, "--agent");
    PrivateKey clientKey = null;
    List<X509Certificate> clientChain = null;
    if (settings.clientCert().isPresent()) {
      GrpcClient.ClientIdentity id = GrpcClient.clientIdentity(settings);
      clientKey = id.key();
      clientChain = id.chain();
    }
    if (verbose) {
      err()
          .println(
              "first contact with the agent at "
                  + settings.target()
                  + " ("
                  + (settings.targetSource().equals("default")
                      ? "default address"
                      : "from " + settings.targetSource())
                  + "): one attested-TLS handshake"
                  + (clientKey == null ? "" : " with the client certificate")
                  + ", expecting manifest "
                  + digest.hex()
                  + " ("
                  + manifestFile
                  + ", from "
                  + manifestSource
                  + ")");
      err().flush();
    }
    FirstContact.Contact c =
        FirstContact.take(
            settings.target(),
            settings.timeout(),
            digest,
            AttestationProviders.from(env, null, !offline),
            offline,
            clientKey,
            clientChain);
    byte[] file = c.claims().evidence();
    LocalFiles.write(output, file, false, force);
    String platform = c.evidence().platform();
    boolean emulated = c.verdict().emulated() || TeeProvider.EMULATED.equals(platform);
    if (emulated) {
      err().println("warning: the agent's evidence is " + AttestationValidateCommand.EMULATED);
    }
    Path written = output.toAbsolutePath().normalize();
    var o = out();
    o.println(
        written
            + " ("
            + platform
            + (emulated ? ", " + AttestationValidateCommand.EMULATED : "")
            + " evidence, "
            + file.length
            + " bytes) from the agent at "
            + settings.target());
    o.println(
        "  taken in one attested-TLS handshake for the fresh nonce "
            + FirstContact.shortHex(c.nonce())
            + "; the connection was closed without sending any request");
    o.println(
        "  checked: the evidence answers that nonce, binds the agent's TLS key (SPKI SHA-256 "
            + FirstContact.shortHex(c.claims().spkiSha256())
            + ", which the agent proved it holds) and manifest "
            + digest.hex()
            + ", and its signatures verify");
    Map<String, String> claims = c.verdict().claims();
    for (String k : List.of("vtpm.ak.sha256", "snp.measurement", "measurement", "mrtd")) {
      if (claims.containsKey(k)) {
        o.println("  " + k + ": " + claims.get(k));
      }
    }
    o.println(
        "nothing is trusted yet: this shows the evidence is fresh and self-consistent, not who"
            + " signed it. Pin it (compare the attestation key with one you know, or accept it on"
            + " first use) in a policy, then set "
            + AttestedTlsSettings.POLICY
            + ":");
    o.println(
        "  cocos-cli attestation policy create "
            + platform
            + " --from "
            + output
            + (TeeProvider.VTPM.equals(platform)
                ? " --manifest " + manifestFile + " --eos-measurements eos-measurements.json"
                : "")
            + " -o policy.json");
    o.flush();
    err().flush();
    return 0;
  }
}

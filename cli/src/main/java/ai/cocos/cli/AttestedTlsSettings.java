package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.atls.AtlsTrustManager;
import ai.cocos.atls.AtlsVerification;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.PolicyException;
import ai.cocos.manifest.ManifestSignature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether and how the CLI speaks attested TLS to the agent, from the environment and the command
 * line:
 *
 * <ul>
 *   <li>on with {@code AGENT_GRPC_ATTESTED_TLS=true}, {@code --attested-tls}, or when the manifest
 *       the command signs for says {@code agent_config.attested_tls: true} (the agent then serves
 *       nothing else);
 *   <li>the policy from {@code --attestation-policy FILE} or {@code AGENT_GRPC_ATTESTATION_POLICY}
 *       (CocosAI's variable; here a JSON policy, see {@code attestation policy create}): it must
 *       pin the image's measurement (the policy format requires it), and accepts emulated evidence
 *       only if it says so;
 *   <li>the manifest the agent must hold: the one the command signs for ({@code --manifest}, {@code
 *       COCOS_MANIFEST}), or {@code AGENT_GRPC_ATTESTATION_MANIFEST} for commands that sign
 *       nothing; if both are given they must be the same manifest.
 * </ul>
 *
 * <p>No silent default: attested TLS on without a policy or an expected manifest refuses to
 * connect, saying what to set.
 *
 * @param wanted whether attested TLS is on
 * @param wantedSource what turned it on, for messages
 * @param policyFile the policy file, if given
 * @param policySource where the policy file came from
 * @param manifestFile the expected manifest's file, if given
 * @param manifest the expected manifest's digest, if known
 * @param manifestSource where it came from
 * @param env the environment (collateral cache and vendor URLs for the verifiers)
 * @param notices where notices go (an emulated agent is always reported)
 */
record AttestedTlsSettings(
    boolean wanted,
    String wantedSource,
    Optional<Path> policyFile,
    String policySource,
    Optional<Path> manifestFile,
    Optional<Sha3Hash> manifest,
    String manifestSource,
    Function<String, String> env,
    Optional<PrintWriter> notices) {

  /** CocosAI's switch. */
  static final String ATTESTED_TLS = "AGENT_GRPC_ATTESTED_TLS";

  /** CocosAI's policy variable. */
  static final String POLICY = "AGENT_GRPC_ATTESTATION_POLICY";

  /** The manifest the agent must hold, for commands that sign for none. */
  static final String MANIFEST = "AGENT_GRPC_ATTESTATION_MANIFEST";

  /** Off: the manager's settings, and the agent's until something turns it on. */
  static AttestedTlsSettings off(Function<String, String> env) {
    return new AttestedTlsSettings(
        false,
        "",
        Optional.empty(),
        "",
        Optional.empty(),
        Optional.empty(),
        "",
        env,
        Optional.empty());
  }

  /**
   * Reads the agent's variables.
   *
   * @param env the environment
   * @return the settings
   * @throws Failure if a variable holds something unusable
   */
  static AttestedTlsSettings fromEnv(Function<String, String> env) throws Failure {
    boolean on = false;
    String switchText = value(env, ATTESTED_TLS).orElse("");
    if (!switchText.isEmpty()) {
      switch (switchText.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes", "on" -> on = true;
        case "false", "0", "no", "off" -> on = false;
        default ->
            throw new Failure(
                ATTESTED_TLS + ": '" + switchText + "' is not a boolean; use true or false");
      }
    }
    Optional<Path> policy = path(env, POLICY);
    Optional<Path> manifest = path(env, MANIFEST);
    return new AttestedTlsSettings(
        on,
        on ? ATTESTED_TLS + "=" + switchText : "",
        policy,
        policy.isPresent() ? POLICY : "",
        manifest,
        Optional.empty(),
        manifest.isPresent() ? MANIFEST : "",
        env,
        Optional.empty());
  }

  /**
   * Adds what a command that signs for a manifest knows: its options and the manifest.
   *
   * @param flag {@code --attested-tls}
   * @param policyOption {@code --attestation-policy}, or {@code null}
   * @param signed the manifest the command signs for
   * @param signedFile its file
   * @param out where notices go
   * @return the settings
   * @throws Failure if {@code AGENT_GRPC_ATTESTATION_MANIFEST} names another manifest
   */
  AttestedTlsSettings with(
      boolean flag, Path policyOption, Manifest signed, Path signedFile, PrintWriter out)
      throws Failure {
    boolean on = wanted;
    String source = wantedSource;
    if (!on && flag) {
      on = true;
      source = "--attested-tls";
    }
    if (!on && signed.agentConfig().attestedTls()) {
      on = true;
      source = signedFile + " (agent_config.attested_tls: true)";
    }
    Sha3Hash digest = ManifestSignature.digest(signed);
    if (manifestFile.isPresent()) {
      Sha3Hash expected = ManifestSignature.digest(ManifestFiles.read(manifestFile.get()));
      if (!expected.equals(digest)) {
        throw new Failure(
            MANIFEST
                + "="
                + manifestFile.get()
                + " (manifest "
                + expected.hex()
                + ") is not the manifest this command signs for, "
                + signedFile
                + " (manifest "
                + digest.hex()
                + "); give the same manifest to both");
      }
    }
    Optional<Path> policy = policyFile;
    String policyFrom = policySource;
    if (policyOption != null) {
      policy = Optional.of(policyOption);
      policyFrom = "--attestation-policy";
    }
    return new AttestedTlsSettings(
        on,
        source,
        policy,
        policyFrom,
        Optional.of(signedFile),
        Optional.of(digest),
        signedFile.toString(),
        env,
        Optional.ofNullable(out));
  }

  /**
   * The trust manager verifying the agent's evidence in every handshake.
   *
   * @return the trust manager
   * @throws Failure if the policy or the expected manifest is missing or unusable, saying what to
   *     set
   */
  AtlsTrustManager trustManager() throws Failure {
    if (policyFile.isEmpty()) {
      throw new Failure(
          "attested TLS is on ("
              + wantedSource
              + ") but no attestation policy is given, and there is no default: set "
              + POLICY
              + " (or --attestation-policy) to the policy file that pins the agent's image"
              + " measurement (see 'cocos-cli attestation policy create')");
    }
    Sha3Hash expected;
    if (manifest.isPresent()) {
      expected = manifest.get();
    } else if (manifestFile.isPresent()) {
      expected = ManifestSignature.digest(ManifestFiles.read(manifestFile.get()));
    } else {
      throw new Failure(
          "attested TLS is on ("
              + wantedSource
              + ") but the manifest the agent must hold is unknown: set "
              + MANIFEST
              + " to the computation's manifest file");
    }
    Path file = policyFile.get();
    Policy policy;
    try {
      policy = PolicyDocument.read(file);
    } catch (IOException e) {
      throw new Failure(
          policySource + "=" + file + ": cannot read the policy: " + LocalFiles.problem(e, file));
    } catch (PolicyException e) {
      throw new Failure(policySource + "=" + file + ": not a valid policy: " + e.getMessage());
    }
    AttestationProviders providers = AttestationProviders.from(env, null, true);
    try {
      return new AtlsTrustManager(
          policy,
          expected,
          platform -> {
            try {
              return Optional.of(providers.provider(platform));
            } catch (Failure e) {
              return Optional.empty();
            }
          },
          Clock.systemUTC(),
          false,
          this::verified);
    } catch (IllegalArgumentException e) {
      throw new Failure(policySource + "=" + file + ": " + e.getMessage());
    }
  }

  private void verified(AtlsVerification v) {
    if (notices.isEmpty()) {
      return;
    }
    PrintWriter out = notices.get();
    if (v.emulated() || TeeProvider.EMULATED.equals(v.verdict().platform())) {
      out.println(
          "warning: the agent's evidence is emulated, not a real TEE (accepted because the policy"
              + " allows emulation)");
      out.flush();
    }
  }

  /**
   * Says what is verified, for {@code --verbose}.
   *
   * @return for example {@code evidence verified against policy.json (from
   *     AGENT_GRPC_ATTESTATION_POLICY), manifest 1c…}
   */
  String describe() {
    return "attested TLS ("
        + wantedSource
        + "): evidence verified against "
        + policyFile.map(p -> p + " (from " + policySource + ")").orElse("NO POLICY")
        + ", the agent must hold manifest "
        + manifest.map(Sha3Hash::hex).orElse(manifestFile.map(Path::toString).orElse("(unknown)"));
  }

  private static Optional<String> value(Function<String, String> env, String name) {
    String v = env.apply(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  private static Optional<Path> path(Function<String, String> env, String name) throws Failure {
    Optional<String> v = value(env, name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(v.get()));
    } catch (InvalidPathException e) {
      throw new Failure(name + ": '" + v.get() + "' is not a valid path");
    }
  }
}

package ai.cocos.cli;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralBundle;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.CollateralException;
import ai.cocos.attestation.collateral.HttpCollateralFetcher;
import ai.cocos.attestation.snp.AmdKds;
import ai.cocos.attestation.snp.SnpProduct;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli ca-bundle}: saves collateral for verification without network. */
@Command(
    name = "ca-bundle",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Save the certificates and collateral a verification needs, for offline use.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "On a connected machine, gathers AMD's certificate chains and CRLs of each PRODUCT (Milan,"
          + " Genoa, Turin; VCEK and VLEK hierarchies) and, with --evidence, everything verifying"
          + " that evidence needs (its VCEK, Intel's TCB info, QE identity and CRLs), and writes"
          + " them to OUT: a folder, or a zip if OUT ends with .zip. On the air-gapped machine,"
          + " give it to 'attestation validate --offline --collateral OUT'.",
      "",
      "Items already in the collateral cache ($COCOS_COLLATERAL_CACHE, else"
          + " ~/.cache/cocos/collateral) are not fetched again (AMD's service rate-limits);"
          + " what is fetched is kept there too. Every item stays verified at use: a bundle is"
          + " trusted no more than the network."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli ca-bundle Milan Genoa -o amd.zip",
      "  cocos-cli ca-bundle --evidence evidence.json -o bundle/"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the bundle was written with everything asked for",
      "1:something could not be fetched or written (the bundle holds the rest)",
      "2:usage error"
    })
final class CaBundleCommand extends LocalCommand {
  @Parameters(
      paramLabel = "PRODUCT",
      arity = "0..*",
      description = "AMD products whose chains and CRLs to save: Milan, Genoa, Turin.")
  List<String> products = new ArrayList<>();

  @Option(
      names = "--evidence",
      paramLabel = "FILE",
      description = "Save what verifying this evidence needs (a cocos-evidence file, or raw).")
  Path evidenceFile;

  @Option(
      names = "--platform",
      paramLabel = "PLATFORM",
      description = "The evidence's platform, for a raw report or quote.")
  String platform;

  @Option(
      names = "--certs",
      paramLabel = "FILE",
      arity = "1..*",
      description = "Certificates and collateral to add to the evidence (as for validate).")
  List<Path> certs = new ArrayList<>();

  @Option(
      names = "--at",
      paramLabel = "TIME",
      description = "The time the evidence will be verified at (default: now).")
  String at;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "OUT",
      description = "The bundle: a folder, or a zip file if the name ends with .zip.")
  Path output;

  @Override
  int run() throws Failure {
    if (products.isEmpty() && evidenceFile == null) {
      throw usage("name at least one PRODUCT (Milan, Genoa, Turin) or give --evidence FILE");
    }
    List<SnpProduct> wanted = new ArrayList<>();
    for (String p : products) {
      wanted.add(product(p));
    }
    Instant when;
    try {
      when = AttestationValidateCommand.time(at);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    AttestationProviders user = AttestationProviders.from(Main.env(spec), null, true);
    CollateralCache userCache = new CollateralCache(user.cache());
    Path work;
    try {
      work = Files.createTempDirectory("cocos-ca-bundle");
    } catch (IOException e) {
      throw new Failure("cannot create a temporary folder: " + e.getMessage());
    }
    try {
      // The work cache starts as a copy of the user's: nothing it holds is fetched again.
      CollateralBundle.export(userCache, work, u -> true);
      Set<URI> before = urls(new CollateralCache(work));
      Set<URI> keep = new HashSet<>();
      List<String> problems = new ArrayList<>();
      Collateral collateral =
          new Collateral(new CollateralCache(work), new HttpCollateralFetcher());
      AmdKds kds = new AmdKds(user.kds());
      for (SnpProduct p : wanted) {
        for (URI u :
            List.of(
                kds.certChain(p, false),
                kds.crl(p, false),
                kds.certChain(p, true),
                kds.crl(p, true))) {
          try {
            collateral.get(u, false);
            keep.add(u);
          } catch (CollateralException e) {
            problems.add(e.getMessage());
          }
        }
      }
      if (evidenceFile != null) {
        Evidence e = AttestationInput.read(evidenceFile, platform, certs, List.of()).evidence();
        String as = platform != null ? platform : e.platform();
        if (!wanted.isEmpty()
            && !e.attachments().containsKey("product")
            && !e.attachments().containsKey("vcek")) {
          // A version 2 SNP report names no product: the first PRODUCT is the hint.
          Map<String, byte[]> att = new java.util.LinkedHashMap<>(e.attachments());
          att.put(
              "product",
              wanted.get(0).kdsName().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          e = new Evidence(e.platform(), e.report(), att);
        }
        AttestationProviders inWork = new AttestationProviders(work, true, user.kds(), user.pcs());
        TeeProvider provider = inWork.provider(as);
        // Any policy makes the provider fetch what the chain and TCB need; its verdict on the
        // policy's rules does not matter here, only collateral it could not get.
        Verdict v =
            provider.verify(
                new VerificationRequest(
                    e, new Policy(as, Map.of("description", "ca-bundle")), when, false));
        for (Verdict.Finding f : v.failures()) {
          // Policy rules fail under this placeholder policy; anything else is missing material.
          if (Stream.of("policy", "snp.", "tdx.", "vtpm.", "report_data", "emulat")
              .noneMatch(f.rule()::startsWith)) {
            problems.add(f.rule() + ": " + f.message());
          }
        }
        Set<String> hosts = new HashSet<>();
        hosts.add(user.kds().getHost());
        hosts.add(user.pcs().getHost());
        hosts.add(URI.create("https://certificates.trustedservices.intel.com").getHost());
        for (URI u : urls(new CollateralCache(work))) {
          if (hosts.contains(u.getHost())) {
            keep.add(u);
          }
        }
      }
      // What was fetched goes into the user's cache as well.
      Set<URI> fetched = urls(new CollateralCache(work));
      fetched.removeAll(before);
      if (!fetched.isEmpty()) {
        CollateralBundle.export(new CollateralCache(work), userCache.dir(), fetched::contains);
      }
      int n = CollateralBundle.export(new CollateralCache(work), output, keep::contains);
      out()
          .println(
              output.toAbsolutePath().normalize()
                  + ": "
                  + n
                  + " item"
                  + (n == 1 ? "" : "s")
                  + " ("
                  + fetched.size()
                  + " fetched, "
                  + (n - Math.min(n, fetched.size()))
                  + " from the cache "
                  + userCache.dir()
                  + ")");
      out().flush();
      if (!problems.isEmpty()) {
        err().println("not in the bundle:");
        problems.forEach(p -> err().println("  " + p));
        err().flush();
        return 1;
      }
      return 0;
    } catch (CollateralException e) {
      throw new Failure(e.getMessage());
    } finally {
      delete(work);
    }
  }

  private static Set<URI> urls(CollateralCache c) throws CollateralException {
    Set<URI> out = new HashSet<>();
    c.list().forEach(i -> out.add(i.url()));
    return out;
  }

  private SnpProduct product(String name) {
    for (SnpProduct p : SnpProduct.values()) {
      if (p.kdsName().equalsIgnoreCase(name)) {
        return p;
      }
    }
    throw usage(
        "PRODUCT: '"
            + name
            + "' is not an AMD product with a KDS chain (Milan, Genoa, Turin)"
            + (name.toLowerCase(Locale.ROOT).startsWith("sev") ? "" : ""));
  }

  private static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary folder left behind
    }
  }
}

package ai.cocos.tee.tdx.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.tee.tdx.TdxPolicyTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Prints the policy {@link TdxPolicyTemplate} writes for a quote file (for the bench script). */
public final class TdxPolicyFile {
  private TdxPolicyFile() {}

  /**
   * Prints the policy.
   *
   * @param args the quote file
   * @throws Exception if unreadable
   */
  public static void main(String[] args) throws Exception {
    System.out.print(
        TdxPolicyTemplate.json(
            new Evidence("tdx", Files.readAllBytes(Path.of(args[0])), Map.of())));
  }
}

package ai.cocos.manifest.internal;

/** JSON paths in messages: {@code datasets[1].hash}; the top level is the empty path. */
public final class Paths {
  private Paths() {}

  /**
   * The path of an object member.
   *
   * @param parent the object's path
   * @param name the member name
   * @return e.g. {@code algorithm.hash}, or {@code x['odd name']} for a name that is not a plain
   *     word
   */
  public static String member(String parent, String name) {
    if (!name.matches("[A-Za-z0-9_-]+")) {
      // Unknown names can hold anything: keep them readable and on one line.
      return parent + "[" + Text.quote(name) + "]";
    }
    return parent.isEmpty() ? name : parent + "." + name;
  }

  /**
   * The path of an array element.
   *
   * @param parent the array's path
   * @param index the index
   * @return e.g. {@code datasets[1]}
   */
  public static String element(String parent, int index) {
    return parent + "[" + index + "]";
  }
}

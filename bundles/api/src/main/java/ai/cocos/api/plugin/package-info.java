/** The plugin registry the core provides: which plugins serve now, and lookup by type. */
@Version("1.0.0")
package ai.cocos.api.plugin;

import org.osgi.annotation.versioning.Version;

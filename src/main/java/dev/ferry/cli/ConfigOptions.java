package dev.ferry.cli;

import dev.ferry.config.ConfigLoader;
import dev.ferry.config.FerryConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --data-dir}, shared by every command that needs the node's configuration. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file (optional)")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "overrides data_dir")
    Path dataDir;

    FerryConfig load() {
        FerryConfig c = ConfigLoader.load(configFile, System.getenv());
        return dataDir == null ? c : c.withDataDir(dataDir);
    }
}

/**
 * Configuration: the keys Ferry understands, their defaults, and how a YAML file and
 * {@code FERRY_*} environment variables override them. Owns validation, so that every other
 * package receives a {@link dev.ferry.config.FerryConfig} that is already known to be good.
 * Never reads anything but the config file and the environment it is given.
 */
package dev.ferry.config;

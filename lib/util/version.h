/*
 * The hub's version: what `carerhub --version` prints, what a backup's
 * manifest and an export record, and what the FHIR CapabilityStatement
 * says of the software.
 */
#ifndef CARERHUB_VERSION_H
#define CARERHUB_VERSION_H

#define CARERHUB_VERSION "0.1.0"

#endif

/* version: the release number, one definition for every module that reports it. The build
 * (commit) is passed by the Makefile to main.c only (SPANHOUSE_BUILD). */
#ifndef SPANHOUSE_VERSION_H
#define SPANHOUSE_VERSION_H

#define SPANHOUSE_VERSION "0.1.0"

#endif

/* print_ddl: prints llm_spans DDL pieces from the encoder's own column table (rowbin.h over
 * ingest/columns.h), so test servers get exactly the columns the encoder writes.
 *   print_ddl legacy DB.TABLE      CREATE TABLE for ClickHouse 18.16 (same RowBinary bytes)
 *   print_ddl modern DB.TABLE      CREATE TABLE with the modern types (plain MergeTree)
 *   print_ddl columns              the INSERT column list
 *   print_ddl structure legacy|modern   "name Type, …" */
#include <stdio.h>
#include <string.h>

#include "rowbin.h"

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "columns")) {
        puts(rowbin_column_list());
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "structure")) {
        puts(rowbin_structure(!strcmp(argv[2], "legacy")));
        return 0;
    }
    if (argc == 3 && (!strcmp(argv[1], "legacy") || !strcmp(argv[1], "modern"))) {
        int legacy = !strcmp(argv[1], "legacy");
        const char *st = rowbin_structure(legacy);
        printf("CREATE TABLE IF NOT EXISTS %s (%s) ENGINE = MergeTree() ORDER BY (tenant_id, timestamp)%s\n",
               argv[2], st, legacy ? "" : " SETTINGS non_replicated_deduplication_window = 1000");
        return 0;
    }
    fprintf(stderr, "usage: print_ddl legacy|modern DB.TABLE | columns | structure legacy|modern\n");
    return 2;
}

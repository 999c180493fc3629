# ops: explicit build rule for the dashboard/alert SQL checker used by
# tests/integration/t_dashboard_sql.sh. (The Makefile's catch-all
# "$(BUILD)/tests/tools/% $(BUILD)/bench/%: ;" rule comes first and has an empty recipe, so the
# generic tools rule never runs; an explicit rule always wins over pattern rules.)
# This file is included before `all:`, so keep `all` the default goal.
.DEFAULT_GOAL := all
tools: $(BUILD)/tests/tools/panel_sql
$(BUILD)/tests/tools/panel_sql: tests/tools/panel_sql.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

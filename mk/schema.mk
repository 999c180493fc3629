# schema: the SQL golden runner. An explicit rule, because the Makefile's generic
# "$(BUILD)/tests/tools/%: ;" empty rule is picked before the real tools pattern rule.
$(BUILD)/tests/tools/sqltest: tests/tools/sqltest.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

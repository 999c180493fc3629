/* err: lookup functions over the ERR_MAP table (see err.h). */
#include "err.h"

static const struct {
    const char *name;
    err_class_t cls;
    const char *msg;
} err_table[] = {
#define ERR_ROW_(code, name, cls, msg) {name, ERR_CLASS_##cls, msg},
    ERR_MAP(ERR_ROW_)
#undef ERR_ROW_
};

const char *err_name(int code) {
    return (code >= 0 && code < ERR__COUNT) ? err_table[code].name : "unknown_error";
}
const char *err2str(int code) {
    return (code >= 0 && code < ERR__COUNT) ? err_table[code].msg : "unknown error";
}
err_class_t err_class(int code) {
    return (code >= 0 && code < ERR__COUNT) ? err_table[code].cls : ERR_CLASS_FATAL;
}

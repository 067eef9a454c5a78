/*
 * Test-only PKCS#11 pass-through module: makes a SoftHSM2 token behave like an unlocked CNS card
 * for headless Chromium, which cannot answer the "unlock security device" dialog.
 *
 *   CNS_SHIM_MODULE    the real module (libsofthsm2.so)
 *   CNS_SHIM_PIN       user PIN: C_Login is called with it after every C_OpenSession, and the
 *                      token no longer says CKF_LOGIN_REQUIRED, so NSS never asks
 *   CNS_SHIM_HIDE_PSS  "1": hide the RSA-PSS mechanisms, like older CNS cards that sign only
 *                      with PKCS#1 v1.5
 *
 * Self-contained (no PKCS#11 header needed): the few types are declared below following the
 * PKCS#11 v2.40 layout on LP64 (CK_ULONG is unsigned long); CK_FUNCTION_LIST is treated as the
 * version followed by an array of function pointers in the standard order.
 * Never built into the product: tests/e2e/run.mjs compiles it with gcc.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long CK_ULONG, CK_RV, CK_SLOT_ID, CK_FLAGS, CK_SESSION_HANDLE, CK_MECHANISM_TYPE, CK_USER_TYPE;
typedef unsigned char CK_BYTE;
typedef CK_RV (*CK_NOTIFY)(CK_SESSION_HANDLE, CK_ULONG, void *);

#define CKR_OK 0x0UL
#define CKR_GENERAL_ERROR 0x5UL
#define CKR_MECHANISM_INVALID 0x70UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL
#define CKF_LOGIN_REQUIRED 0x4UL
#define CKU_USER 1UL

/* Indices in CK_FUNCTION_LIST (after the version). */
enum { F_GET_FUNCTION_LIST = 3, F_GET_TOKEN_INFO = 6, F_GET_MECHANISM_LIST = 7, F_GET_MECHANISM_INFO = 8,
       F_OPEN_SESSION = 12, F_LOGIN = 18, F_COUNT = 68 };

typedef struct {
    CK_BYTE major, minor;
    void *fn[F_COUNT];
} FunctionList;

typedef struct {
    CK_BYTE label[32], manufacturer[32], model[16], serial[16];
    CK_FLAGS flags;
    /* ... the rest is left to the real module */
} TokenInfoHead;

static FunctionList *real;
static FunctionList shim;

static int is_pss(CK_MECHANISM_TYPE m) {
    /* CKM_RSA_PKCS_PSS, CKM_SHA1/256/384/512/224_RSA_PKCS_PSS */
    return m == 0x0D || m == 0x0E || m == 0x43 || m == 0x44 || m == 0x45 || m == 0x47;
}
static int hide_pss(void) {
    const char *h = getenv("CNS_SHIM_HIDE_PSS");
    return h && strcmp(h, "1") == 0;
}

static CK_RV shim_get_token_info(CK_SLOT_ID slot, void *info) {
    CK_RV rv = ((CK_RV(*)(CK_SLOT_ID, void *))real->fn[F_GET_TOKEN_INFO])(slot, info);
    if (rv == CKR_OK) ((TokenInfoHead *)info)->flags &= ~CKF_LOGIN_REQUIRED;
    return rv;
}

static CK_RV shim_get_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, CK_ULONG *count) {
    CK_RV rv = ((CK_RV(*)(CK_SLOT_ID, CK_MECHANISM_TYPE *, CK_ULONG *))real->fn[F_GET_MECHANISM_LIST])(slot, list, count);
    if (rv != CKR_OK || !list || !hide_pss()) return rv;
    CK_ULONG kept = 0;
    for (CK_ULONG i = 0; i < *count; i++)
        if (!is_pss(list[i])) list[kept++] = list[i];
    *count = kept;
    return rv;
}

static CK_RV shim_get_mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, void *info) {
    if (hide_pss() && is_pss(type)) return CKR_MECHANISM_INVALID;
    return ((CK_RV(*)(CK_SLOT_ID, CK_MECHANISM_TYPE, void *))real->fn[F_GET_MECHANISM_INFO])(slot, type, info);
}

static CK_RV shim_open_session(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE *session) {
    CK_RV rv = ((CK_RV(*)(CK_SLOT_ID, CK_FLAGS, void *, CK_NOTIFY, CK_SESSION_HANDLE *))real->fn[F_OPEN_SESSION])(
        slot, flags, app, notify, session);
    const char *pin = getenv("CNS_SHIM_PIN");
    if (rv == CKR_OK && pin) {
        /* Login state is per token: once one session is logged in, all are. */
        CK_RV l = ((CK_RV(*)(CK_SESSION_HANDLE, CK_USER_TYPE, const CK_BYTE *, CK_ULONG))real->fn[F_LOGIN])(
            *session, CKU_USER, (const CK_BYTE *)pin, strlen(pin));
        (void)l; /* CKR_USER_ALREADY_LOGGED_IN is the usual answer after the first session */
    }
    return rv;
}

static CK_RV shim_get_function_list(FunctionList **out);

static int load(void) {
    if (real) return 1;
    const char *path = getenv("CNS_SHIM_MODULE");
    if (!path) path = "/usr/lib/softhsm/libsofthsm2.so";
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return 0;
    CK_RV (*get)(FunctionList **) = (CK_RV(*)(FunctionList **))dlsym(h, "C_GetFunctionList");
    if (!get || get(&real) != CKR_OK) return 0;
    shim = *real;
    shim.fn[F_GET_FUNCTION_LIST] = (void *)shim_get_function_list;
    shim.fn[F_GET_TOKEN_INFO] = (void *)shim_get_token_info;
    shim.fn[F_GET_MECHANISM_LIST] = (void *)shim_get_mechanism_list;
    shim.fn[F_GET_MECHANISM_INFO] = (void *)shim_get_mechanism_info;
    shim.fn[F_OPEN_SESSION] = (void *)shim_open_session;
    return 1;
}

static CK_RV shim_get_function_list(FunctionList **out) {
    if (!out || !load()) return CKR_GENERAL_ERROR;
    *out = &shim;
    return CKR_OK;
}

CK_RV C_GetFunctionList(FunctionList **out) { return shim_get_function_list(out); }

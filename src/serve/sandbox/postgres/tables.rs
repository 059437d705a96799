//! The `pg_catalog` tables yanhuo answers, with Postgres 16's columns, and the OIDs Postgres
//! gives its own catalog tables.

use super::PG_CLASS_OID;

/// The `pg_catalog` tables and their column specs. Columns follow Postgres 16.
pub(super) const SPECS: &[(&str, &str)] = &[
    ("pg_namespace", "oid:o nspname:t nspowner:o nspacl:a"),
    (
        "pg_class",
        "oid:o relname:t relnamespace:o reltype:o reloftype:o relowner:o relam:o \
         relfilenode:o reltablespace:o relpages:i reltuples:f relallvisible:i \
         reltoastrelid:o relhasindex:b relisshared:b relpersistence:t relkind:t relnatts:s \
         relchecks:s relhasrules:b relhastriggers:b relhassubclass:b relrowsecurity:b \
         relforcerowsecurity:b relispopulated:b relreplident:t relispartition:b relrewrite:o \
         relfrozenxid:o relminmxid:o relacl:a reloptions:a relpartbound:T",
    ),
    (
        "pg_attribute",
        "attrelid:o attname:t atttypid:o attlen:s attnum:s attcacheoff:i atttypmod:i \
         attndims:s attbyval:b attalign:t attstorage:t attcompression:t attnotnull:b \
         atthasdef:b atthasmissing:b attidentity:t attgenerated:t attisdropped:b \
         attislocal:b attinhcount:s attstattarget:s attcollation:o attacl:a attoptions:a \
         attfdwoptions:a attmissingval:T",
    ),
    (
        "pg_type",
        "oid:o typname:t typnamespace:o typowner:o typlen:s typbyval:b typtype:t \
         typcategory:t typispreferred:b typisdefined:b typdelim:t typrelid:o typsubscript:t \
         typelem:o typarray:o typinput:t typoutput:t typreceive:t typsend:t typmodin:t \
         typmodout:t typanalyze:t typalign:t typstorage:t typnotnull:b typbasetype:o \
         typtypmod:i typndims:i typcollation:o typdefaultbin:T typdefault:T typacl:a",
    ),
    (
        "pg_database",
        "oid:o datname:t datdba:o encoding:i datlocprovider:t datistemplate:b \
         datallowconn:b datconnlimit:i datfrozenxid:o datminmxid:o dattablespace:o \
         datcollate:t datctype:t daticulocale:T daticurules:T datcollversion:T datacl:a",
    ),
    ("pg_am", "oid:o amname:t amhandler:t amtype:t"),
    (
        "pg_index",
        "indexrelid:o indrelid:o indnatts:s indnkeyatts:s indisunique:b \
         indnullsnotdistinct:b indisprimary:b indisexclusion:b indimmediate:b \
         indisclustered:b indisvalid:b indcheckxmin:b indisready:b indislive:b \
         indisreplident:b indkey:v indcollation:w indclass:w indoption:v indexprs:T indpred:T",
    ),
    (
        "pg_constraint",
        "oid:o conname:t connamespace:o contype:t condeferrable:b condeferred:b \
         convalidated:b conrelid:o contypid:o conindid:o conparentid:o confrelid:o \
         confupdtype:t confdeltype:t confmatchtype:t conislocal:b coninhcount:s \
         connoinherit:b conkey:v confkey:v conpfeqop:w conppeqop:w conffeqop:w \
         confdelsetcols:v conexclop:w conbin:T",
    ),
    (
        "pg_description",
        "objoid:o classoid:o objsubid:i description:t",
    ),
    ("pg_shdescription", "objoid:o classoid:o description:t"),
    (
        "pg_settings",
        "name:t setting:t unit:T category:t short_desc:t extra_desc:T context:t vartype:t \
         source:t min_val:T max_val:T enumvals:a boot_val:T reset_val:T sourcefile:T \
         sourceline:i pending_restart:b",
    ),
    (
        "pg_roles",
        "rolname:t rolsuper:b rolinherit:b rolcreaterole:b rolcreatedb:b rolcanlogin:b \
         rolreplication:b rolconnlimit:i rolpassword:T rolvaliduntil:T rolbypassrls:b \
         rolconfig:a oid:o",
    ),
    (
        "pg_user",
        "usename:t usesysid:o usecreatedb:b usesuper:b userepl:b usebypassrls:b passwd:T \
         valuntil:T useconfig:a",
    ),
    (
        "pg_proc",
        "oid:o proname:t pronamespace:o proowner:o prolang:o procost:f prorows:f \
         provariadic:o prosupport:t prokind:t prosecdef:b proleakproof:b proisstrict:b \
         proretset:b provolatile:t proparallel:t pronargs:s pronargdefaults:s prorettype:o \
         proargtypes:w proallargtypes:w proargmodes:a proargnames:a proargdefaults:T \
         protrftypes:w prosrc:t probin:T prosqlbody:T proconfig:a proacl:a",
    ),
    ("pg_attrdef", "oid:o adrelid:o adnum:s adbin:T"),
    (
        "pg_collation",
        "oid:o collname:t collnamespace:o collowner:o collprovider:t \
         collisdeterministic:b collencoding:i collcollate:T collctype:T colliculocale:T \
         collicurules:T collversion:T",
    ),
    (
        "pg_inherits",
        "inhrelid:o inhparent:o inhseqno:i inhdetachpending:b",
    ),
    (
        "pg_policy",
        "oid:o polname:t polrelid:o polcmd:t polpermissive:b polroles:w polqual:T \
         polwithcheck:T",
    ),
    (
        "pg_statistic_ext",
        "oid:o stxrelid:o stxname:t stxnamespace:o stxowner:o stxstattarget:i stxkeys:v \
         stxkind:a stxexprs:T",
    ),
    (
        "pg_publication",
        "oid:o pubname:t pubowner:o puballtables:b pubinsert:b pubupdate:b pubdelete:b \
         pubtruncate:b pubviaroot:b",
    ),
    (
        "pg_publication_rel",
        "oid:o prpubid:o prrelid:o prqual:T prattrs:v",
    ),
    ("pg_publication_namespace", "oid:o pnpubid:o pnnspid:o"),
    (
        "pg_trigger",
        "oid:o tgrelid:o tgparentid:o tgname:t tgfoid:o tgtype:s tgenabled:t \
         tgisinternal:b tgconstrrelid:o tgconstrindid:o tgconstraint:o tgdeferrable:b \
         tginitdeferred:b tgnargs:s tgattr:v tgargs:T tgqual:T tgoldtable:T tgnewtable:T",
    ),
    (
        "pg_rewrite",
        "oid:o rulename:t ev_class:o ev_type:t ev_enabled:t is_instead:b ev_qual:T \
         ev_action:T",
    ),
    (
        "pg_tablespace",
        "oid:o spcname:t spcowner:o spcacl:a spcoptions:a",
    ),
    (
        "pg_extension",
        "oid:o extname:t extowner:o extnamespace:o extrelocatable:b extversion:t \
         extconfig:w extcondition:a",
    ),
    ("pg_enum", "oid:o enumtypid:o enumsortorder:f enumlabel:t"),
    (
        "pg_opclass",
        "oid:o opcmethod:o opcname:t opcnamespace:o opcowner:o opcfamily:o opcintype:o \
         opcdefault:b opckeytype:o",
    ),
    (
        "pg_auth_members",
        "oid:o roleid:o member:o grantor:o admin_option:b inherit_option:b set_option:b",
    ),
    (
        "pg_conversion",
        "oid:o conname:t connamespace:o conowner:o conforencoding:i contoencoding:i \
         conproc:t condefault:b",
    ),
    (
        "pg_statistic_ext_data",
        "stxoid:o stxdinherit:b stxdndistinct:T stxddependencies:T stxdmcv:T stxdexpr:T",
    ),
    (
        "pg_range",
        "rngtypid:o rngsubtype:o rngmultitypid:o rngcollation:o rngsubopc:o \
         rngcanonical:t rngsubdiff:t",
    ),
    (
        "pg_sequence",
        "seqrelid:o seqtypid:o seqstart:l seqincrement:l seqmax:l seqmin:l seqcache:l \
         seqcycle:b",
    ),
    ("pg_foreign_table", "ftrelid:o ftserver:o ftoptions:a"),
    (
        "pg_language",
        "oid:o lanname:t lanowner:o lanispl:b lanpltrusted:b lanplcallfoid:o \
         laninline:o lanvalidator:o lanacl:a",
    ),
    (
        "pg_tables",
        "schemaname:t tablename:t tableowner:t tablespace:T hasindexes:b hasrules:b \
         hastriggers:b rowsecurity:b",
    ),
    (
        "pg_views",
        "schemaname:t viewname:t viewowner:t definition:T",
    ),
    (
        "pg_matviews",
        "schemaname:t matviewname:t matviewowner:t tablespace:T hasindexes:b \
         ispopulated:b definition:T",
    ),
    (
        "pg_depend",
        "classid:o objid:o objsubid:i refclassid:o refobjid:o refobjsubid:i deptype:t",
    ),
    (
        "pg_event_trigger",
        "oid:o evtname:t evtevent:t evtowner:o evtfoid:o evtenabled:t evttags:a",
    ),
];

/// Postgres's own OIDs of its catalog tables that clients name by `'pg_x'::regclass`.
pub(super) const CATALOG_OIDS: &[(&str, i64)] = &[
    ("pg_type", 1247),
    ("pg_attribute", 1249),
    ("pg_proc", 1255),
    ("pg_class", PG_CLASS_OID),
    ("pg_database", 1262),
    ("pg_namespace", 2615),
    ("pg_constraint", 2606),
    ("pg_description", 2609),
    ("pg_index", 2610),
    ("pg_attrdef", 2604),
    ("pg_am", 2601),
    ("pg_trigger", 2620),
    ("pg_rewrite", 2618),
];

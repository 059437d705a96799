// pgjdbc (the driver inside DBeaver and Metabase) against `serve --pg-addr`: the schema a
// browser shows (schemas, tables, columns, primary keys), and a prepared statement run six
// times (the fifth switches pgjdbc to a named server-side statement). Run as `java -cp postgresql.jar Check.java URL USER PASSWORD`;
// prints what it saw, one fact a line, for the Rust test to compare.
import java.sql.*;

public class Check {
    public static void main(String[] args) throws Exception {
        try (Connection conn = DriverManager.getConnection(args[0], args[1], args[2])) {
            DatabaseMetaData meta = conn.getMetaData();
            System.out.println("product " + meta.getDatabaseProductName() + " " + meta.getDatabaseMajorVersion());
            try (ResultSet rs = meta.getTables(null, "public", "%", new String[] {"TABLE"})) {
                StringBuilder names = new StringBuilder();
                while (rs.next()) {
                    names.append(names.length() == 0 ? "" : ",").append(rs.getString("TABLE_NAME"));
                    if (rs.getString("TABLE_NAME").equals("orders")) {
                        System.out.println("remarks orders " + rs.getString("REMARKS"));
                    }
                }
                System.out.println("tables " + names);
            }
            try (ResultSet rs = meta.getColumns(null, "public", "orders", "%")) {
                while (rs.next()) {
                    System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")
                        + " " + rs.getInt("DATA_TYPE") + " " + rs.getString("REMARKS"));
                }
            }
            try (ResultSet rs = meta.getSchemas()) {
                StringBuilder names = new StringBuilder();
                while (rs.next()) {
                    names.append(names.length() == 0 ? "" : ",").append(rs.getString("TABLE_SCHEM"));
                }
                System.out.println("schemas " + names);
            }
            try (ResultSet rs = meta.getPrimaryKeys(null, "public", "orders")) {
                StringBuilder keys = new StringBuilder();
                while (rs.next()) {
                    keys.append(keys.length() == 0 ? "" : ",").append(rs.getString("COLUMN_NAME"));
                }
                System.out.println("primary key of orders: " + (keys.length() == 0 ? "none" : keys));
            }
            try (PreparedStatement st = conn.prepareStatement(
                    "SELECT COUNT(*) AS n FROM orders WHERE shop_id = ? AND status = 'completed'")) {
                for (int i = 1; i <= 6; i++) {
                    st.setString(1, "s1");
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        System.out.println("run " + i + " " + rs.getLong("n"));
                    }
                }
            }
        }
    }
}

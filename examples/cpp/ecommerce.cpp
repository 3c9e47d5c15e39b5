// The e-commerce example in C++17, on the Sensors Analytics C library: a shopper views a
// product, signs up, pays, gets a profile, and the catalogue gets an item (6 records). A thin RAII layer
// owns the C handles and turns error codes into exceptions.
//
//   ./ecommerce [LOG_PREFIX]    # records into LOG_PREFIX.YYYY-MM-DD (default ./sa-events)
#include <cstdint>
#include <ctime>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
#include <initializer_list>

#include <sensorsanalytics.h>

namespace {

// An SDK call that failed: the code's name and the library's message.
struct sa_error : std::runtime_error {
    int code;
    sa_error(int rc, const std::string &what)
        : std::runtime_error(what + ": " + sa_error_name(rc) + ": " + sa_last_error_message()), code(rc) {}
};

void check(int rc, const char *what) {
    if (rc != SA_OK) throw sa_error(rc, what);
}

struct Props {
    std::unique_ptr<sa_properties, decltype(&sa_properties_free)> p{nullptr, sa_properties_free};
    Props() {
        sa_properties *raw = nullptr;
        check(sa_properties_new(&raw), "properties");
        p.reset(raw);
    }
    Props &set(const char *key, const char *value) {
        check(sa_properties_set_string(p.get(), key, value), key);
        return *this;
    }
    Props &set(const char *key, double value) {
        check(sa_properties_set_double(p.get(), key, value), key);
        return *this;
    }
    Props &set(const char *key, int64_t value) {
        check(sa_properties_set_int(p.get(), key, value), key);
        return *this;
    }
    Props &set(const char *key, bool value) {
        check(sa_properties_set_bool(p.get(), key, value), key);
        return *this;
    }
    Props &set(const char *key, std::initializer_list<const char *> values) {
        std::vector<const char *> v(values);
        check(sa_properties_set_string_list(p.get(), key, v.data(), v.size()), key);
        return *this;
    }
    const sa_properties *get() const { return p.get(); }
};

class Client {
  public:
    explicit Client(const std::string &log_prefix) {
        sa_consumer *consumer = nullptr;
        check(sa_consumer_concurrent_logging_new(log_prefix.c_str(), 8192, &consumer), "consumer");
        int rc = sa_new(consumer, "default", false, &sa_);
        sa_consumer_free(consumer);  // the client keeps its own reference
        check(rc, "client");
    }
    ~Client() { sa_free(sa_); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    void track(const char *id, const char *event, const Props &p, bool login) {
        check(sa_track(sa_, id, event, p.get(), login), "track");
    }
    void track_signup(const char *id, const char *original) {
        check(sa_track_signup(sa_, id, original, nullptr), "track_signup");
    }
    void register_super_properties(const Props &p) {
        check(sa_register_super_properties(sa_, p.get()), "register_super_properties");
    }
    void profile_set(const char *id, const Props &p, bool login) {
        check(sa_profile_set(sa_, id, p.get(), login), "profile_set");
    }
    void profile_append(const char *id, const Props &p, bool login) {
        check(sa_profile_append(sa_, id, p.get(), login), "profile_append");
    }
    void item_set(const char *type, const char *item, const Props &p) {
        check(sa_item_set(sa_, type, item, p.get()), "item_set");
    }
    void close() { check(sa_close(sa_), "close"); }

  private:
    sa_client *sa_ = nullptr;
};

}  // namespace

int main(int argc, char **argv) {
    const std::string prefix = argc > 1 ? argv[1] : "./sa-events";
    try {
        Client sa(prefix);
        sa.register_super_properties(Props().set("platform", "web"));
        const char *anonymous_id = "9771C579-71F0-4650-8EE8-8999FA717761";
        const char *user_id = "user-10086";
        // A visitor views a product, signs up, and pays.
        sa.track(anonymous_id, "ViewProduct",
                 Props()
                     .set("product_id", "SKU-1001")
                     .set("product_name", "Wireless Mouse")
                     .set("product_classify", "electronics")
                     .set("price", 89.9),
                 false);
        sa.track_signup(user_id, anonymous_id);
        sa.track(user_id, "PaidOrder",
                 Props()
                     .set("order_id", "ORDER-20261123-0001")
                     .set("product_id", "SKU-1001")
                     .set("quantity", int64_t{2})
                     .set("order_amount", 179.8)
                     .set("pay_method", "alipay"),
                 true);
        // The user's profile, and the catalogue item.
        sa.profile_set(user_id, Props().set("name", "Li Lei").set("gender", "male").set("vip_level", int64_t{3}), true);
        sa.profile_append(user_id, Props().set("interests", {"electronics", "books"}), true);
        sa.item_set("product", "SKU-1001", Props().set("name", "Wireless Mouse").set("price", 89.9));
        // Bad input is an exception here (an error code in C), never a crash.
        try {
            sa.track("user-42", "1-not-a-name", Props(), false);
        } catch (const sa_error &e) {
            std::cout << "refused as expected: " << e.what() << "\n";
        }
        sa.close();
    } catch (const std::exception &e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    std::cout << "done: 6 records in " << prefix << ".YYYY-MM-DD\n";
    return 0;
}

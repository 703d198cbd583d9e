#define BOOST_TEST_MODULE microshop
#include <boost/test/unit_test.hpp>

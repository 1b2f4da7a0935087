CatalogSearch.add("t","ti",{"tianlong":"1j","ticket":"1K2h","ticket hypothesis":"3X","tishby":"4h"});

CatalogSearch.add("t","bl",{"black":[4.55,"4_"],"black box":[2.607,"4_"]});

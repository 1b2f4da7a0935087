CatalogSearch.add("t","wi",{"wise":[3.413,"2_"],"wise double":[2.607,"2_"]});

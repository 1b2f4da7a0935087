CatalogSearch.add("t","ev",{"everywhere":[4.76,"1_"],"everywhere b":[2.607,"1_"]});

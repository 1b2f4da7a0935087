CatalogSearch.add("t","ev",{"everywhere":[4.763,"1_"],"everywhere b":[2.607,"1_"]});
